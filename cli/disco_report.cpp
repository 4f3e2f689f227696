#include "disco_report.hpp"

#include <fmt/format.h>

#include "output.hpp"
#include "xep/disco/features.hpp"

namespace xmpp::cli {
namespace {

using Json = nlohmann::ordered_json;

Json string_view_json(std::optional<std::string_view> value) {
  return value ? Json(std::string(*value)) : Json(nullptr);
}

std::string identity_human(const disco::Identity& identity) {
  std::string line = escape_terminal(identity.category) + "/" + escape_terminal(identity.type);
  if (identity.name) line += " \"" + escape_terminal(*identity.name) + "\"";
  if (identity.lang) line += " (" + escape_terminal(*identity.lang) + ")";
  return line;
}

std::string_view verdict_human(caps::Verdict verdict) {
  switch (verdict) {
  case caps::Verdict::match:
    return "matches";
  case caps::Verdict::mismatch:
    return "does NOT match the disco#info result";
  case caps::Verdict::unknown_hash:
    return "cannot be checked: unknown hash function";
  case caps::Verdict::ill_formed:
    return "cannot be checked: the disco#info result is ill-formed for XEP-0115 (section 5.4)";
  }
  return "";
}

void print_identities(const disco::DiscoInfo& info, std::ostream& out) {
  if (info.identities.empty()) {
    out << "identities: (none)\n";
    return;
  }
  out << "identities:\n";
  for (const auto& identity : info.identities)
    out << "  " << identity_human(identity) << '\n';
}

void print_features(const disco::DiscoInfo& info, std::ostream& out) {
  if (info.features.empty()) {
    out << "features: (none)\n";
    return;
  }
  out << "features:\n";
  for (const auto& var : info.features) {
    out << "  " << escape_terminal(var);
    if (const auto spec = disco::feature_spec(var))
      out << "  (" << spec->spec << ' ' << spec->title << ')';
    out << '\n';
  }
}

void print_forms(const disco::DiscoInfo& info, std::ostream& out) {
  if (info.forms.empty()) return;
  out << "forms:\n";
  for (const auto& form : info.forms) {
    out << "  " << escape_terminal(form.form_type) << '\n';
    for (const auto& [var, values] : form.fields) {
      if (values.empty()) out << "    " << escape_terminal(var) << ":\n";
      // One line per value: values may hold commas, and a multi-value field reads as a list.
      for (const auto& value : values)
        out << "    " << escape_terminal(var) << ": " << escape_terminal(value) << '\n';
    }
  }
}

void print_tree_entity(const disco::TreeEntity& e, std::ostream& out) {
  out << std::string(static_cast<std::size_t>(e.level) * 2, ' ')
      << item_human(e.jid.str(), e.node, e.name);
  if (e.mark != disco::TreeMark::walked) out << "  (" << disco::to_string(e.mark) << ')';
  if (e.info && !e.info->identities.empty()) {
    out << ' ';
    for (const auto& identity : e.info->identities)
      out << ' ' << escape_terminal(identity.category) << '/' << escape_terminal(identity.type);
  }
  if (e.info_error) out << "  error: " << escape_terminal(error_human(*e.info_error));
  if (e.items_error) out << "  items error: " << escape_terminal(error_human(*e.items_error));
  out << '\n';
  for (const auto& child : e.children)
    print_tree_entity(child, out);
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

Json identities_json(const disco::DiscoInfo& info) {
  Json out = Json::array();
  for (const auto& identity : info.identities)
    out.push_back({{"category", identity.category},
                   {"type", identity.type},
                   {"name", or_null(identity.name)},
                   {"lang", or_null(identity.lang)}});
  return out;
}

Json features_json(const disco::DiscoInfo& info) {
  Json out = Json::array();
  for (const auto& var : info.features) {
    const auto spec = disco::feature_spec(var);
    out.push_back({{"var", var},
                   {"spec", string_view_json(spec ? std::optional(spec->spec) : std::nullopt)},
                   {"title", string_view_json(spec ? std::optional(spec->title) : std::nullopt)}});
  }
  return out;
}

Json forms_json(const disco::DiscoInfo& info) {
  Json out = Json::array();
  for (const auto& form : info.forms) {
    Json fields = Json::object();
    for (const auto& [var, values] : form.fields)
      fields[var] = values;
    out.push_back({{"form_type", form.form_type}, {"fields", std::move(fields)}});
  }
  return out;
}

std::string error_human(const Error& error) {
  return error.condition.empty() ? error.code : error.condition;
}

std::string item_human(const std::string& jid, const std::optional<std::string>& node,
                       const std::optional<std::string>& name) {
  std::string line = escape_terminal(jid);
  if (node) line += " [" + escape_terminal(*node) + "]";
  if (name) line += " \"" + escape_terminal(*name) + "\"";
  return line;
}

// ---- info ----

Json DiscoInfoReport::to_json() const {
  Json doc = {{"jid", jid},
              {"node", or_null(node)},
              {"identities", identities_json(info)},
              {"features", features_json(info)},
              {"forms", forms_json(info)},
              {"caps", nullptr}};
  if (caps)
    doc["caps"] = {{"hash", caps->caps.hash},
                   {"node", caps->caps.node},
                   {"ver", caps->caps.ver},
                   {"verdict", std::string(caps::to_string(caps->verdict))},
                   {"source", caps->source}};
  return doc;
}

void DiscoInfoReport::print_human(std::ostream& out) const {
  out << "jid: " << escape_terminal(jid) << '\n';
  if (node) out << "node: " << escape_terminal(*node) << '\n';
  print_identities(info, out);
  print_features(info, out);
  print_forms(info, out);
  if (caps) {
    out << "caps: " << escape_terminal(caps->caps.hash) << ' ' << escape_terminal(caps->caps.ver)
        << " (node " << escape_terminal(caps->caps.node) << ", from "
        << (caps->source == "presence" ? "its presence" : "the stream features") << ") "
        << verdict_human(caps->verdict) << '\n';
  }
}

// ---- items ----

Json DiscoItemsReport::to_json() const {
  Json list = Json::array();
  for (const auto& item : items.items)
    list.push_back({{"jid", item.jid.str()},
                    {"node", or_null(item.node)},
                    {"name", or_null(item.name)}});
  return {{"jid", jid},
          {"node", or_null(node)},
          {"items", std::move(list)},
          {"pages", items.pages},
          {"truncated", items.truncated}};
}

void DiscoItemsReport::print_human(std::ostream& out) const {
  if (items.items.empty()) {
    out << "(no items)\n";
    return;
  }
  for (const auto& item : items.items)
    out << item_human(item.jid.str(), item.node, item.name) << '\n';
}

// ---- tree ----

Json tree_entity_json(const disco::TreeEntity& e) {
  Json doc = {{"jid", e.jid.str()},
              {"node", or_null(e.node)},
              {"name", or_null(e.name)},
              {"status", std::string(disco::to_string(e.mark))},
              {"identities", e.info ? identities_json(*e.info) : Json(nullptr)},
              {"features", e.info ? features_json(*e.info) : Json(nullptr)},
              {"forms", e.info ? forms_json(*e.info) : Json(nullptr)},
              {"error", e.info_error ? error_object(*e.info_error) : Json(nullptr)},
              {"items_error", e.items_error ? error_object(*e.items_error) : Json(nullptr)},
              {"children", nullptr}};
  if (e.items_asked && !e.items_error) {
    Json children = Json::array();
    for (const auto& child : e.children)
      children.push_back(tree_entity_json(child));
    doc["children"] = std::move(children);
  }
  return doc;
}

Json DiscoTreeReport::to_json() const {
  const auto& s = tree.summary;
  return {{"jid", tree.root.jid.str()},
          {"node", or_null(tree.root.node)},
          {"depth", depth},
          {"concurrency", concurrency},
          {"tree", tree_entity_json(tree.root)},
          {"summary",
           {{"entities", s.entities},
            {"walked", s.walked},
            {"duplicates", s.duplicates},
            {"loops", s.loops},
            {"queries", s.queries},
            {"errors", s.errors},
            {"max_in_flight", s.max_in_flight},
            {"left_out", s.left_out},
            {"max_entities", max_entities},
            {"elapsed_ms", round_ms(elapsed_ms)}}}};
}

void DiscoTreeReport::print_human(std::ostream& out) const {
  print_tree_entity(tree.root, out);
  const auto& s = tree.summary;
  out << plural(s.entities, "entity", "entities") << " (" << s.walked << " walked, "
      << plural(s.duplicates, "duplicate", "duplicates") << ", " << plural(s.loops, "loop", "loops")
      << "), " << plural(s.errors, "error", "errors") << fmt::format(", {:.1f} ms", elapsed_ms);
  if (s.left_out > 0)
    out << "; the limit of " << max_entities << " entities left "
        << plural(s.left_out, "item", "items") << " out";
  out << '\n';
}

}  // namespace xmpp::cli
