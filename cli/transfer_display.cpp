#include "transfer_display.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace xmpp::cli {

namespace {

std::size_t terminal_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
  return 80;
}

}  // namespace

TransferDisplay::TransferDisplay(Context& ctx)
    : m_ctx(ctx), m_terminal(!ctx.json() && !ctx.settings().quiet && ::isatty(STDERR_FILENO) == 1),
      m_lines(ctx.out()) {}

void TransferDisplay::start(std::string name, std::optional<std::uint64_t> size) {
  ProgressOptions options;
  // NDJSON readers want a pulse, not a flood; a terminal redraws ten times a second.
  if (m_ctx.json()) options.max_redraws_per_second = 2;
  m_progress.emplace(std::move(name), size, ProgressClock::now(), options);
}

void TransferDisplay::update(std::uint64_t bytes) {
  if (!m_progress) return;
  const auto now = ProgressClock::now();
  m_progress->update(now, bytes);
  if ((m_terminal || m_ctx.json()) && m_progress->redraw_due(now)) draw(false);
}

void TransferDisplay::finish(std::uint64_t bytes) {
  if (!m_progress) return;
  const auto now = ProgressClock::now();
  m_progress->finish(now, bytes);
  if (m_terminal && m_progress->redraw_due(now)) draw(true);
}

nlohmann::ordered_json TransferDisplay::result_json() const {
  return m_progress ? m_progress->result_json() : nlohmann::ordered_json::object();
}

void TransferDisplay::emit(const nlohmann::ordered_json& event) {
  if (m_ctx.json()) m_lines.emit(dump_json(event));
}

void TransferDisplay::say(std::string_view line) {
  if (!m_ctx.json()) m_lines.emit(line);
}

void TransferDisplay::draw(bool last) {
  if (m_ctx.json()) {
    if (!last) emit(m_progress->progress_json());
    return;
  }
  auto& err = m_ctx.err();
  err << '\r' << m_progress->render_line(terminal_width());
  if (last) err << '\n';
  err.flush();
}

}  // namespace xmpp::cli
