// The phases of reaching a logged-in stream, for `--timing` (issue 10): DNS (RFC 6120 §3.2), the
// TCP connection, TLS (§5 STARTTLS with its round trips, or XEP-0368 direct TLS), the protected
// stream's features (§4.3), SASL up to the restarted stream's features (§6.4.6), and resource
// binding with its follow-ups (§7, RFC 3921 §3 session, XEP-0198 §3 enable). The session says when
// each phase ends through a TimingSink; a Timeline keeps the instants and gives the durations.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xmpp::stream {

enum class Phase {
  resolve,  ///< SRV and address lookups (nothing with an IP literal --host)
  tcp,      ///< TCP connection up
  tls,      ///< TLS up: direct TLS's handshake, or STARTTLS's stream open, <starttls/>, handshake
  stream,   ///< the first TLS-protected stream header and its features
  sasl,     ///< <auth/> to <success/>, and the restarted stream's features
  bind,     ///< resource binding, the legacy session, XEP-0198 enable (or resume)
};

/// "resolve", "tcp", "tls", "stream", "sasl", "bind".
std::string_view phase_name(Phase phase);

/// Told at the end of each phase: which, when, and how many reads of the stream had returned data
/// so far (cumulative for the stream, each one a wait for the server); nullopt where the stream
/// does not exist yet (DNS, TCP, a direct-TLS handshake), so nothing was counted.
using TimingSink = std::function<void(Phase phase, std::chrono::steady_clock::time_point at,
                                      std::optional<std::uint64_t> reads)>;

/// One step of a Timeline.
struct TimedStep {
  std::string name;
  std::chrono::steady_clock::duration duration{};  ///< since the previous step ended (or the start)
  std::chrono::steady_clock::duration at{};        ///< since the start
  std::optional<std::uint64_t> reads;              ///< reads during the step, where counted
};

/// Named steps ending one after the other since a start instant. Each name is kept once, at its
/// first mark: a retry or a reconnect that passes a step again adds its time to the next step.
class Timeline {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Timeline(Clock::time_point start) : m_start(start), m_last(start) {}

  /// Step `name` ended at `at`; `reads` is the cumulative read count at that instant (see
  /// TimingSink), nullopt when not counted. An instant before the last one is taken as the last.
  void mark(std::string name, Clock::time_point at, std::optional<std::uint64_t> reads);
  bool has(std::string_view name) const;
  Clock::time_point start() const { return m_start; }
  /// The steps in the order marked; their durations add up to total().
  const std::vector<TimedStep>& steps() const { return m_steps; }
  /// From the start to the end of the last step (zero without steps).
  Clock::duration total() const;

 private:
  Clock::time_point m_start;
  Clock::time_point m_last;
  std::uint64_t m_last_reads = 0;
  std::vector<TimedStep> m_steps;
};

}  // namespace xmpp::stream
