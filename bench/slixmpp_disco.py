#!/usr/bin/python3
"""The slixmpp peer of bench/run's `disco` scenario: log in, ask one entity for its disco#info
(XEP-0030 §3), wait for the answer, close, exit; what one `xmpp disco info JID` process does.

Asks the entity itself every time (slixmpp's cache off). Prints
{"outcome":"result","seconds":S,"identities":N,"features":M} (slixmpp_oneshot.py has the exit
codes).
"""

import slixmpp_oneshot


def main():
    p = slixmpp_oneshot.parser(__doc__.splitlines()[0])
    p.add_argument("--to", required=True, help="the entity to ask")
    args = p.parse_args()

    async def disco_info(client):
        iq = await client.plugin["xep_0030"].get_info(jid=args.to, cached=False, local=False,
                                                      timeout=args.timeout)
        info = iq["disco_info"]
        return {"identities": len(info["identities"]), "features": len(info["features"])}

    slixmpp_oneshot.main(args, ["xep_0030"], disco_info)


if __name__ == "__main__":
    main()
