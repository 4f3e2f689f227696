// `xmpp probe DOMAIN [--nagios] [--warn-days N] [--crit-days N]` (CLI.md "probe"): DNS, every
// endpoint's TLS and stream features without logging in; with credentials also what the server
// offers (XEP-0030, XEP-0157, XEP-0092, XEP-0012). Human, JSON or Nagios plugin output.
#pragma once

#include <string>

#include "context.hpp"
#include "jid/jid.hpp"
#include "output.hpp"
#include "probe_report.hpp"
#include "stream/session.hpp"

namespace xmpp::cli {

struct ProbeArgs {
  std::string domain;
  bool nagios = false;
  int warn_days = 14;
  int crit_days = 7;
};

awaitable<Outcome> run_probe(Context& ctx, ProbeArgs args);

/// The logged-in half of the probe, on `session`: disco#info and disco#items of `server`,
/// disco#info of each component among the items (classified), XEP-0157 contacts, XEP-0092
/// version, XEP-0012 uptime, one XEP-0199 ping. Each query waits at most 10 s and stops short of
/// the overall deadline; a failure is recorded in ServerReport::errors (or the component's
/// error) and the next query goes on.
awaitable<ServerReport> query_server(Context& ctx, stream::Session& session, Jid server);

}  // namespace xmpp::cli
