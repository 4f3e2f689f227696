// What `xmpp disco` prints (CLI.md "disco"): XEP-0030 info with XEP-0128 forms and the XEP-0115
// caps verdict, items (all XEP-0059 pages), and the tree walk, each as human text or one JSON
// document. Remote text goes through escape_terminal.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "output.hpp"
#include "xep/caps/caps.hpp"
#include "xep/disco/disco.hpp"
#include "xep/disco/tree.hpp"

namespace xmpp::cli {

/// The XEP-0115 <c/> seen for the target and whether its ver is the hash of the disco#info result.
struct CapsCheck {
  caps::Caps caps;
  caps::Verdict verdict = caps::Verdict::mismatch;
  std::string source;  ///< "stream-features" (our server, §6.3) or "presence"
};

/// [{"category","type","name","lang"}]; what the entity left out is null.
nlohmann::ordered_json identities_json(const disco::DiscoInfo& info);
/// [{"var","spec","title"}], spec and title from disco::feature_spec (null when unknown).
nlohmann::ordered_json features_json(const disco::DiscoInfo& info);
/// [{"form_type","fields":{"var":[values]}}].
nlohmann::ordered_json forms_json(const disco::DiscoInfo& info);
/// "item-not-found" (the condition), else the code ("timeout").
std::string error_human(const Error& error);
/// `jid [node] "name"` with remote text escaped (node and name only when present).
std::string item_human(const std::string& jid, const std::optional<std::string>& node,
                       const std::optional<std::string>& name);

/// `xmpp disco info`: {"jid","node","identities","features","forms","caps":{"hash","node","ver",
/// "verdict","source"}|null}.
struct DiscoInfoReport : Report {
  std::string jid;
  std::optional<std::string> node;
  disco::DiscoInfo info;
  std::optional<CapsCheck> caps;

  nlohmann::ordered_json to_json() const override;
  /// "jid:", "node:", "identities:", "features:" (each with its spec), "forms:", "caps:" sections.
  void print_human(std::ostream& out) const override;
};

/// `xmpp disco items`: {"jid","node","items":[{"jid","node","name"}],"pages":N,"truncated":B}
/// (pages and truncated from disco::items_all).
struct DiscoItemsReport : Report {
  std::string jid;
  std::optional<std::string> node;
  disco::DiscoItems items;

  nlohmann::ordered_json to_json() const override;
  /// One `jid [node] "name"` line per item, or "(no items)".
  void print_human(std::ostream& out) const override;
};

/// `xmpp disco tree`: {"jid","node","depth","concurrency","tree":ENTITY,"summary":{...}} where
/// ENTITY is {"jid","node","name","status","identities","features","forms","error","items_error",
/// "children":[ENTITY...]|null}.
struct DiscoTreeReport : Report {
  disco::Tree tree;
  int depth = 0;
  std::size_t concurrency = 0;
  std::size_t max_entities = 0;
  double elapsed_ms = 0;

  nlohmann::ordered_json to_json() const override;
  /// The indented tree (two spaces a level), then one summary line.
  void print_human(std::ostream& out) const override;
};

/// One entity of the tree as JSON (recursively).
nlohmann::ordered_json tree_entity_json(const disco::TreeEntity& entity);

}  // namespace xmpp::cli
