// What `xmpp roster` prints (xmpp-roster(1) OUTPUT): the list (with presence), one item changed,
// a subscription sent, the pending requests, an import. JSON keys are part of the contract.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "output.hpp"
#include "xep/roster/presence_ops.hpp"
#include "xep/roster/roster.hpp"
#include "xep/roster/subscription.hpp"

namespace xmpp::cli {

/// `roster list [--presence]`.
struct RosterListReport : Report {
  roster::Roster roster;
  /// With --presence: who is available (contacts without an entry are offline).
  std::optional<roster::PresenceSnapshot> presence;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `roster add|set|remove`.
struct RosterChangeReport : Report {
  std::string jid;
  std::string action;                ///< "add", "set" or "remove"
  std::optional<roster::Item> item;  ///< the item as the server now has it (none after remove)
  bool subscription_requested = false;  ///< add --subscribe
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `roster subscribe|unsubscribe|approve|deny`.
struct SubscriptionReport : Report {
  std::string jid;
  roster::SubscriptionAction action = roster::SubscriptionAction::subscribe;
  std::optional<roster::Item> before, after;
  /// approve without a request from the contact: the server stored a pre-approval (RFC 6121 §3.4).
  bool preapproval = false;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `roster pending`.
struct PendingReport : Report {
  std::vector<roster::InboundRequest> pending;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `roster import`.
struct ImportReport : Report {
  std::vector<std::string> added, updated, removed, subscribed;
  std::size_t unchanged = 0;
  bool dry_run = false;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `roster export` to stdout: the document itself, in both modes.
struct ExportReport : Report {
  nlohmann::ordered_json document;
  nlohmann::ordered_json to_json() const override { return document; }
  void print_human(std::ostream& out) const override;
};

/// `roster export FILE`: nothing on stdout for people; {"file":..,"items":N} with --json.
struct ExportedReport : Report {
  std::string file;
  std::size_t items = 0;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream&) const override {}
};

/// "both", "to (asked)", "none (pre-approved)": the subscription column of the list.
std::string subscription_human(const roster::Item& item);

}  // namespace xmpp::cli
