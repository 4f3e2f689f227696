#include "cmd_version.hpp"

#include <memory>

#include "commands.hpp"
#include "output.hpp"
#include "xep/version/version_ops.hpp"

namespace xmpp::cli {

namespace {
std::string optional_human(const std::optional<std::string>& v) {
  return v ? escape_terminal(*v) : std::string("(not given)");
}
}  // namespace

nlohmann::ordered_json VersionReport::to_json() const {
  return {{"jid", jid},
          {"name", or_null(info.name)},
          {"version", or_null(info.version)},
          {"os", or_null(info.os)}};
}

void VersionReport::print_human(std::ostream& out) const {
  out << "name:    " << optional_human(info.name) << '\n';
  out << "version: " << optional_human(info.version) << '\n';
  if (info.os) out << "os:      " << escape_terminal(*info.os) << '\n';
}

awaitable<Outcome> run_version(Context& ctx, VersionArgs args) {
  auto target = Jid::parse(args.target);
  if (!target) co_return Outcome::failure(target.error());
  auto session = co_await ctx.session();
  if (!session) co_return Outcome::failure(session.error());
  auto info = co_await version::query(**session, *target, ctx.remaining());
  if (!info) co_return Outcome::failure(info.error());
  auto report = std::make_unique<VersionReport>();
  report->jid = target->str();
  report->info = std::move(*info);
  co_return Outcome::success(std::move(report));
}

Runner setup_version(CLI::App& command) {
  auto args = std::make_shared<VersionArgs>();
  command.add_option("JID", args->target, "the entity to ask: a server, a component or a full JID")
      ->required()
      ->check(jid_validator());
  return [args](Context& ctx) { return run_version(ctx, *args); };
}

}  // namespace xmpp::cli
