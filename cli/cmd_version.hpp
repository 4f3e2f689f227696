// `xmpp version JID` (CLI.md "Small probes", XEP-0092 Software Version).
#pragma once

#include <string>

#include "context.hpp"
#include "output.hpp"
#include "xep/version/version.hpp"

namespace xmpp::cli {

struct VersionArgs {
  std::string target;
};

/// {"jid":..,"name":..,"version":..,"os":..}; what the entity did not say is null.
struct VersionReport : Report {
  std::string jid;
  version::SoftwareVersion info;

  nlohmann::ordered_json to_json() const override;
  /// "name: N", "version: V", "os: O" (os only when given), remote text escaped.
  void print_human(std::ostream& out) const override;
};

awaitable<Outcome> run_version(Context& ctx, VersionArgs args);

}  // namespace xmpp::cli
