#include "cmd_ping.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "xep/ping/ping_ops.hpp"

namespace xmpp::cli {

namespace {


/// ping(8)'s precision: three significant digits, at least the integer part.
std::string format_rtt(double ms) {
  if (ms >= 100) return fmt::format("{:.0f}", ms);
  if (ms >= 10) return fmt::format("{:.1f}", ms);
  if (ms >= 1) return fmt::format("{:.2f}", ms);
  return fmt::format("{:.3f}", ms);
}

struct Stats {
  double min = 0, avg = 0, max = 0;
};

std::optional<Stats> stats(const std::vector<PingReply>& replies) {
  if (replies.empty()) return std::nullopt;
  Stats s{replies.front().rtt_ms, 0, replies.front().rtt_ms};
  double sum = 0;
  for (const auto& r : replies) {
    s.min = std::min(s.min, r.rtt_ms);
    s.max = std::max(s.max, r.rtt_ms);
    sum += r.rtt_ms;
  }
  s.avg = sum / static_cast<double>(replies.size());
  return s;
}

}  // namespace

nlohmann::ordered_json PingReport::to_json() const {
  auto replies_json = nlohmann::ordered_json::array();
  for (const auto& r : replies)
    replies_json.push_back({{"seq", r.seq}, {"rtt_ms", round_ms(r.rtt_ms)}});
  const auto s = stats(replies);
  const auto stat = [&](double v) {
    return s ? nlohmann::ordered_json(round_ms(v)) : nlohmann::ordered_json(nullptr);
  };
  return {
      {"jid", jid},
      {"replies", std::move(replies_json)},
      {"sent", sent},
      {"received", replies.size()},
      {"lost", sent - static_cast<int>(replies.size())},
      {"min_ms", stat(s ? s->min : 0)},
      {"avg_ms", stat(s ? s->avg : 0)},
      {"max_ms", stat(s ? s->max : 0)},
  };
}

std::string PingReport::reply_line(const PingReply& reply) const {
  return fmt::format("PING {}: seq={} time={} ms", escape_terminal(jid), reply.seq,
                     format_rtt(reply.rtt_ms));
}

void PingReport::print_human(std::ostream& out) const {
  for (std::size_t i = streamed; i < replies.size(); ++i)
    out << reply_line(replies[i]) << '\n';
  const int received = static_cast<int>(replies.size());
  const int lost_pct = sent > 0 ? (sent - received) * 100 / sent : 0;
  out << fmt::format("{} sent, {} received, {}% lost", sent, received, lost_pct);
  if (const auto s = stats(replies))
    out << fmt::format(", rtt min/avg/max = {:.3f}/{:.3f}/{:.3f} ms", s->min, s->avg, s->max);
  out << '\n';
}

awaitable<Outcome> run_ping(Context& ctx, PingArgs args) {
  auto target = Jid::parse(args.target);
  if (!target) co_return Outcome::failure(target.error());
  auto session = co_await ctx.session();
  if (!session) co_return Outcome::failure(session.error());

  auto report = std::make_unique<PingReport>();
  report->jid = target->str();
  const auto interval =
      std::chrono::milliseconds(static_cast<long long>(args.interval * 1000.0 + 0.5));
  asio::steady_timer timer(ctx.executor());
  // Ctrl-C ends the series with the summary, as in ping(8): stop waiting, fail the pending ping.
  ctx.on_interrupt([&timer, &ctx] {
    timer.cancel();
    ctx.close_session_soon();
  });
  struct Unregister {
    Context& context;
    ~Unregister() { context.on_interrupt(nullptr); }
  } unregister{ctx};
  std::optional<Error> error;
  for (int seq = 1; seq <= args.count && !ctx.interrupted(); ++seq) {
    if (seq > 1 && interval.count() > 0) {
      if (ctx.remaining() <= interval + k_deadline_margin) {
        error = make_error(ErrorKind::temporary, "timeout", "",
                           fmt::format("ping {}: the deadline came after {} of {} pings",
                                       target->str(), report->sent, args.count));
        break;
      }
      timer.expires_after(interval);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ctx.interrupted()) break;
    }
    const auto budget = ctx.remaining() - k_deadline_margin;
    if (budget.count() <= 0) {
      error = make_error(
          ErrorKind::temporary, "timeout", "",
          fmt::format("ping {}: no time left for ping {} of {}", target->str(), seq, args.count));
      break;
    }
    ++report->sent;
    auto rtt = co_await ping::ping(**session, *target, budget);
    if (!rtt && ctx.interrupted()) break;  // the run loop reports the interruption
    if (!rtt) {
      error = rtt.error();
      // XEP-0199 §4: an error reply means the entity does not support ping (or refused it).
      // For a full JID the server gives the same answer when that resource is offline (RFC 6121
      // §8.5.3.1).
      if (error->kind == ErrorKind::remote && (error->condition == "service-unavailable" ||
                                               error->condition == "feature-not-implemented"))
        error->message += target->is_bare()
                              ? " (the entity does not support XEP-0199 ping)"
                              : " (that resource is offline or does not support XEP-0199 ping)";
      break;
    }
    report->replies.push_back(
        PingReply{seq, std::chrono::duration<double, std::milli>(*rtt).count()});
    if (!ctx.json()) {
      // Human output shows each reply as it arrives, as ping(8) does.
      ctx.out() << report->reply_line(report->replies.back()) << '\n';
      ctx.out().flush();
      report->streamed = report->replies.size();
    }
  }
  if (!error) co_return Outcome::success(std::move(report));  // also when interrupted: see Context
  // The summary still tells what came back; a refusal before any reply has nothing to add.
  const bool show = !report->replies.empty() || error->kind == ErrorKind::temporary;
  co_return Outcome::failure(std::move(*error), show ? std::move(report) : nullptr);
}

Runner setup_ping(CLI::App& command) {
  auto args = std::make_shared<PingArgs>();
  command
      .add_option("JID", args->target, "the entity to ping: a server, a component or a full JID")
      ->required()
      ->check(jid_validator());
  command.add_option("--count", args->count, "send N pings (default 1)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000).description(""));
  command.add_option("--interval", args->interval, "seconds between pings (default 1)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 3600.0).description(""));
  return [args](Context& ctx) { return run_ping(ctx, *args); };
}

}  // namespace xmpp::cli
