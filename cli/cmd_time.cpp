#include "cmd_time.hpp"

#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "xep/time/time_ops.hpp"

namespace xmpp::cli {

namespace {
double to_ms(std::chrono::microseconds us) {
  return static_cast<double>(us.count()) / 1000.0;
}
}  // namespace

nlohmann::ordered_json TimeReport::to_json() const {
  return {{"jid", jid},
          {"utc", time::format_utc(clock.utc)},
          {"tzo", time::format_tzo(clock.tzo)},
          {"local", time::format_local(clock)},
          {"offset_ms", round_ms(to_ms(offset))}};
}

void TimeReport::print_human(std::ostream& out) const {
  out << "local:  " << time::format_local(clock) << '\n';
  out << "utc:    " << time::format_utc(clock.utc) << '\n';
  out << fmt::format("offset: {:+.3f} ms (their clock minus ours)\n", to_ms(offset));
}

awaitable<Outcome> run_time(Context& ctx, TimeArgs args) {
  auto target = Jid::parse(args.target);
  if (!target) co_return Outcome::failure(target.error());
  auto session = co_await ctx.session();
  if (!session) co_return Outcome::failure(session.error());
  auto answer = co_await time::query(**session, *target, ctx.remaining());
  if (!answer) co_return Outcome::failure(answer.error());
  auto report = std::make_unique<TimeReport>();
  report->jid = target->str();
  report->clock = answer->time;
  report->offset = answer->offset();
  co_return Outcome::success(std::move(report));
}

Runner setup_time(CLI::App& command) {
  auto args = std::make_shared<TimeArgs>();
  command.add_option("JID", args->target, "the entity to ask: a server, a component or a full JID")
      ->required()
      ->check(jid_validator());
  return [args](Context& ctx) { return run_time(ctx, *args); };
}

}  // namespace xmpp::cli
