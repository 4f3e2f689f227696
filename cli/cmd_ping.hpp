// `xmpp ping JID [--count N] [--interval SECONDS]` (CLI.md "Small probes", XEP-0199 XMPP Ping).
#pragma once

#include <string>
#include <vector>

#include "context.hpp"
#include "output.hpp"

namespace xmpp::cli {

struct PingArgs {
  std::string target;
  int count = 1;
  double interval = 1.0;  ///< seconds between pings
};

struct PingReply {
  int seq = 0;
  double rtt_ms = 0;
};

/// {"jid":..,"replies":[{"seq":1,"rtt_ms":0.42}],"sent":1,"received":1,"lost":0,
///  "min_ms":..,"avg_ms":..,"max_ms":..} (the three statistics are null without replies).
struct PingReport : Report {
  std::string jid;
  std::vector<PingReply> replies;
  int sent = 0;
  std::size_t streamed = 0;  ///< reply lines already printed as they arrived (human mode)

  nlohmann::ordered_json to_json() const override;
  /// "PING JID: seq=N time=T ms" per reply not yet streamed, then
  /// "S sent, R received, L% lost, rtt min/avg/max = a/b/c ms".
  void print_human(std::ostream& out) const override;
  std::string reply_line(const PingReply& reply) const;
};

awaitable<Outcome> run_ping(Context& ctx, PingArgs args);

}  // namespace xmpp::cli
