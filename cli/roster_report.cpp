#include "roster_report.hpp"

#include <algorithm>

#include "output.hpp"
#include "roster_file.hpp"

namespace xmpp::cli {
namespace {

using Json = nlohmann::ordered_json;

Json item_or_null(const std::optional<roster::Item>& item) {
  return item ? roster_item_json(*item) : Json(nullptr);
}

/// Terminal columns of UTF-8 text, counted as code points (good enough to line up a list). Not
/// named `columns`: in the unity build transfer_progress.cpp's `columns(std::string_view)` shares
/// this translation unit, and a std::string argument would pick this one over it.
std::size_t code_points(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string pad(const std::string& text, std::size_t width) {
  const auto used = code_points(text);
  return text + std::string(width > used ? width - used : 0, ' ');
}

std::string groups_human(const roster::Item& item) {
  std::string out;
  for (const auto& group : item.groups) {
    if (!out.empty()) out += ", ";
    out += escape_terminal(group);
  }
  return out;
}

std::string item_human(const std::optional<roster::Item>& item) {
  return item ? subscription_human(*item) : std::string("not in the roster");
}

}  // namespace

std::string subscription_human(const roster::Item& item) {
  std::string out(roster::to_string(item.subscription));
  if (item.ask) out += " (asked)";
  if (item.approved) out += " (pre-approved)";
  return out;
}

Json RosterListReport::to_json() const {
  Json items = Json::array();
  for (const auto& item : roster.items) {
    auto out = roster_item_json(item);
    if (presence) {
      Json resources = Json::array();
      if (const auto it = presence->available.find(item.jid.bare_str());
          it != presence->available.end()) {
        for (const auto& r : it->second)
          resources.push_back(Json{{"resource", r.resource},
                                   {"show", r.show},
                                   {"status", or_null(r.status)},
                                   {"priority", r.priority}});
      }
      out["presence"] = std::move(resources);
    }
    items.push_back(std::move(out));
  }
  return Json{{"items", std::move(items)}, {"version", or_null(roster.version)}};
}

void RosterListReport::print_human(std::ostream& out) const {
  std::size_t jid_width = 0, name_width = 0, sub_width = 0;
  for (const auto& item : roster.items) {
    jid_width = std::max(jid_width, code_points(escape_terminal(item.jid.str())));
    name_width = std::max(name_width, code_points(item.name ? escape_terminal(*item.name) : "-"));
    sub_width = std::max(sub_width, code_points(subscription_human(item)));
  }
  for (const auto& item : roster.items) {
    std::string line = pad(escape_terminal(item.jid.str()), jid_width) + "  " +
                       pad(item.name ? escape_terminal(*item.name) : "-", name_width) + "  " +
                       pad(subscription_human(item), sub_width) + "  " + groups_human(item);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
    if (!presence) continue;
    const auto it = presence->available.find(item.jid.bare_str());
    if (it == presence->available.end() || it->second.empty()) {
      out << "  offline\n";
      continue;
    }
    for (const auto& r : it->second) {
      out << "  " << (r.resource.empty() ? "(bare)" : escape_terminal(r.resource)) << "  "
          << escape_terminal(r.show) << "  priority " << r.priority;
      if (r.status) out << "  " << escape_terminal(*r.status);
      out << '\n';
    }
  }
}

Json RosterChangeReport::to_json() const {
  Json out{{"jid", jid}, {"action", action}};
  if (action != "remove") out["item"] = item_or_null(item);
  if (action == "add") out["subscription_requested"] = subscription_requested;
  return out;
}

void RosterChangeReport::print_human(std::ostream& out) const {
  if (action == "remove") {
    out << "removed " << escape_terminal(jid) << '\n';
    return;
  }
  out << (action == "add" ? "added " : "updated ") << escape_terminal(jid);
  if (item) {
    out << ": " << (item->name ? escape_terminal(*item->name) : "-") << ", "
        << subscription_human(*item);
    if (!item->groups.empty()) out << ", groups " << groups_human(*item);
  }
  out << '\n';
  if (subscription_requested) out << "subscription request sent to " << escape_terminal(jid) << '\n';
}

Json SubscriptionReport::to_json() const {
  Json out{{"jid", jid},
           {"action", std::string(roster::to_string(action))},
           {"before", item_or_null(before)},
           {"after", item_or_null(after)}};
  if (action == roster::SubscriptionAction::approve) out["preapproval"] = preapproval;
  return out;
}

void SubscriptionReport::print_human(std::ostream& out) const {
  const auto who = escape_terminal(jid);
  switch (action) {
  case roster::SubscriptionAction::subscribe:
    out << "subscription request sent to " << who;
    break;
  case roster::SubscriptionAction::unsubscribe:
    out << "unsubscribed from " << who;
    break;
  case roster::SubscriptionAction::approve:
    out << (preapproval ? "pre-approved " : "approved ") << who;
    break;
  case roster::SubscriptionAction::deny:
    out << "denied " << who;
    break;
  }
  out << " (now: " << item_human(after) << ")\n";
}

Json PendingReport::to_json() const {
  Json list = Json::array();
  for (const auto& request : pending)
    list.push_back(Json{{"jid", request.from.str()},
                        {"status", or_null(request.status)},
                        {"nick", or_null(request.nick)}});
  return Json{{"pending", std::move(list)}};
}

void PendingReport::print_human(std::ostream& out) const {
  for (const auto& request : pending) {
    out << escape_terminal(request.from.str());
    if (request.nick) out << "  [" << escape_terminal(*request.nick) << ']';
    if (request.status) out << "  " << escape_terminal(*request.status);
    out << '\n';
  }
}

Json ImportReport::to_json() const {
  return Json{{"added", added},         {"updated", updated},     {"removed", removed},
              {"subscribed", subscribed}, {"unchanged", unchanged}, {"dry_run", dry_run}};
}

void ImportReport::print_human(std::ostream& out) const {
  const std::string would = dry_run ? "would be " : "";
  for (const auto& jid : added) out << "+ " << escape_terminal(jid) << " (" << would << "added)\n";
  for (const auto& jid : updated)
    out << "~ " << escape_terminal(jid) << " (" << would << "updated)\n";
  for (const auto& jid : removed)
    out << "- " << escape_terminal(jid) << " (" << would << "removed)\n";
  for (const auto& jid : subscribed)
    out << "? " << escape_terminal(jid) << " (subscription request " << (dry_run ? "would be " : "")
        << "sent)\n";
  out << added.size() << " added, " << updated.size() << " updated, " << removed.size()
      << " removed, " << subscribed.size() << " subscription requests, " << unchanged
      << " unchanged" << (dry_run ? " (dry run: nothing was changed)" : "") << '\n';
}

void ExportReport::print_human(std::ostream& out) const {
  // Indented for people who keep the file in git or edit it before an import.
  out << document.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

Json ExportedReport::to_json() const { return Json{{"file", file}, {"items", items}}; }

}  // namespace xmpp::cli
