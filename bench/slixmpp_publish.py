#!/usr/bin/python3
"""The slixmpp peer of bench/run's `publish` scenario: log in, publish one item to a pubsub node
(XEP-0060 §7.1), wait for the service's result, close, exit; what one
`xmpp pubsub publish SERVICE NODE --text BODY` process does.

The payload is the element `xmpp pubsub publish --text` writes:
<data xmlns='https://prosody.im/protocol/data'>BODY</data>. Prints
{"outcome":"result","seconds":S,"id":ITEM-ID} (slixmpp_oneshot.py has the exit codes).
"""

import xml.etree.ElementTree as ET

import slixmpp_oneshot

NS_TEXT = "https://prosody.im/protocol/data"


def main():
    p = slixmpp_oneshot.parser(__doc__.splitlines()[0])
    p.add_argument("--service", required=True, help="the pubsub service's JID")
    p.add_argument("--node", required=True)
    p.add_argument("--text", required=True, help="the item's text")
    args = p.parse_args()

    async def publish(client):
        payload = ET.Element(f"{{{NS_TEXT}}}data")
        payload.text = args.text
        iq = await client.plugin["xep_0060"].publish(args.service, args.node, payload=payload,
                                                     timeout=args.timeout)
        return {"id": iq["pubsub"]["publish"]["item"]["id"] or None}

    slixmpp_oneshot.main(args, ["xep_0030", "xep_0060"], publish)


if __name__ == "__main__":
    main()
