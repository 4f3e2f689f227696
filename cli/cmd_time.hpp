// `xmpp time JID` (CLI.md "Small probes", XEP-0202 Entity Time).
#pragma once

#include <chrono>
#include <string>

#include "context.hpp"
#include "output.hpp"
#include "xep/time/time.hpp"

namespace xmpp::cli {

struct TimeArgs {
  std::string target;
};

/// {"jid":..,"utc":..,"tzo":..,"local":..,"offset_ms":..}: offset_ms is their clock minus ours.
struct TimeReport : Report {
  std::string jid;
  time::EntityTime clock;
  std::chrono::microseconds offset{0};

  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

awaitable<Outcome> run_time(Context& ctx, TimeArgs args);

}  // namespace xmpp::cli
