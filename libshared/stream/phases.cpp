#include "stream/phases.hpp"

#include <algorithm>

namespace xmpp::stream {

std::string_view phase_name(Phase phase) {
  switch (phase) {
  case Phase::resolve:
    return "resolve";
  case Phase::tcp:
    return "tcp";
  case Phase::tls:
    return "tls";
  case Phase::stream:
    return "stream";
  case Phase::sasl:
    return "sasl";
  case Phase::bind:
    return "bind";
  }
  return "?";
}

void Timeline::mark(std::string name, Clock::time_point at, std::optional<std::uint64_t> reads) {
  if (has(name)) return;
  // Steps are consecutive by definition: an instant taken before the previous mark (two clocks
  // read out of order) ends this step when the previous one ended.
  at = std::max(at, m_last);
  TimedStep step{std::move(name), at - m_last, at - m_start, std::nullopt};
  if (reads) {
    // A smaller count than the last one is a new stream (a reconnect), counted from zero.
    step.reads = *reads >= m_last_reads ? *reads - m_last_reads : *reads;
    m_last_reads = *reads;
  }
  m_last = at;
  m_steps.push_back(std::move(step));
}

bool Timeline::has(std::string_view name) const {
  return std::any_of(m_steps.begin(), m_steps.end(),
                     [name](const TimedStep& s) { return s.name == name; });
}

Timeline::Clock::duration Timeline::total() const {
  return m_last - m_start;
}

}  // namespace xmpp::stream
