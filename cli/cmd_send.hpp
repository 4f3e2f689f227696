// `xmpp send` (CLI.md "send", issue 3): messages to people or rooms, exit 0 only when the server
// has acknowledged every one of them (stream/outbox.hpp) and none bounced.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "output.hpp"
#include "stream/outbox.hpp"

namespace xmpp::cli {

struct SendArgs {
  std::vector<std::string> recipients;
  std::optional<std::string> message;  ///< -m; else stdin
  bool lines = false;
  std::string type;  ///< chat (default), normal, headline, groupchat
  std::optional<std::string> subject, thread, id, url, attach;
  bool muc = false;
  std::optional<std::string> nick, room_password;
  bool receipt = false, raw = false, dry_run = false;
};

/// One message's fate, for the report.
struct SentMessage {
  std::optional<std::size_t> line;  ///< --lines: the input line (from 1)
  std::string to;
  std::string id;
  stream::DeliveryState state = stream::DeliveryState::pending;
  std::optional<bool> receipt;  ///< --receipt: whether the recipient's receipt arrived
  std::optional<Error> error;   ///< why it is in "failed"
  std::size_t index = 0;        ///< submission order (not printed)
};

/// CLI.md: `{"sent":[{"to":..,"id":..,"acked":true}], "failed":[...], "resent":N}`, plus "url"
/// with --attach. "resent": messages written again after a reconnect (issue 11: those a receiver
/// may see twice, with the same id and origin-id). Human output names only what failed (a
/// successful send prints nothing, like mail(1)).
struct SendReport : Report {
  std::vector<SentMessage> sent, failed;
  std::size_t resent = 0;
  std::optional<std::string> url;
  /// --dry-run: the stanzas that would have been sent, serialised.
  std::optional<std::vector<std::string>> dry_run;

  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

awaitable<Outcome> run_send(Context& ctx, SendArgs args);

}  // namespace xmpp::cli
