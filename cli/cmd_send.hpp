// `xmpp send` (CLI.md "send", issue 3): messages to people or rooms, exit 0 only when the server
// has acknowledged every one of them (stream/outbox.hpp) and none bounced.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
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

/// The acknowledged messages, in the order they were acknowledged: what --json lists under "sent".
/// A long --lines run keeps one 48-byte entry per message (the recipient as an index, a random id
/// inline), not a SentMessage, and nothing at all without --json or --receipt.
class SentLog {
 public:
  void push_back(const SentMessage& m);
  std::size_t size() const { return m_entries.size(); }
  bool empty() const { return m_entries.empty(); }
  /// The entry at `i` as a SentMessage (state acked, no error).
  SentMessage at(std::size_t i) const;
  /// Removes the message submitted as `index` (a late bounce), searching from the newest.
  void erase_index(std::size_t index);
  void clear();

 private:
  static constexpr std::size_t k_inline_id = 22;  // random_id()'s length
  struct Entry {
    std::uint64_t index = 0;
    std::uint64_t line = 0;    // 0: none (lines count from 1)
    std::uint32_t to = 0;      // into m_to
    std::int8_t receipt = -1;  // -1 unknown, 0 no, 1 yes
    std::uint8_t id_size = 0;  // > k_inline_id: the id is m_long_ids[long_id]
    char id[k_inline_id] = {};
    std::uint32_t long_id = 0;
  };
  std::deque<Entry> m_entries;  // a deque grows without copying what it holds
  std::vector<std::string> m_to;
  std::map<std::string, std::uint32_t, std::less<>> m_to_index;
  std::deque<std::string> m_long_ids;
};

/// CLI.md: `{"sent":[{"to":..,"id":..,"acked":true}], "failed":[...], "resent":N}`, plus "url"
/// with --attach. "resent": messages written again after a reconnect (issue 11: those a receiver
/// may see twice, with the same id and origin-id). Human output names only what failed (a
/// successful send prints nothing, like mail(1)).
struct SendReport : Report {
  SentLog sent;
  std::vector<SentMessage> failed;
  std::size_t resent = 0;
  std::optional<std::string> url;
  /// --dry-run: the stanzas that would have been sent, serialised.
  std::optional<std::vector<std::string>> dry_run;

  nlohmann::ordered_json to_json() const override;
  /// The same bytes as dump_json(to_json()), one message at a time.
  void write_json(std::ostream& out) const override;
  void print_human(std::ostream& out) const override;
};

awaitable<Outcome> run_send(Context& ctx, SendArgs args);

}  // namespace xmpp::cli
