#include "cmd_report.hpp"

#include <algorithm>

#include "form_report.hpp"
#include "output.hpp"

namespace xmpp::cli {
namespace {

using Json = nlohmann::ordered_json;

void print_status(std::ostream& out, const adhoc::Response& stage) {
  out << "status: " << adhoc::to_string(stage.status) << '\n';
}

}  // namespace

std::string field_env_name(std::string_view var) {
  std::string out = "XMPP_FIELD_";
  for (const char c : var) {
    const bool lower = c >= 'a' && c <= 'z';
    const bool alnum = lower || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += !alnum ? '_' : lower ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

Json actions_json(const adhoc::Response& stage) {
  if (stage.finished()) return {{"execute", nullptr}, {"allowed", Json::array()}};
  Json allowed = Json::array();
  for (const auto action : stage.offered())
    allowed.push_back(std::string(adhoc::to_string(action)));
  return {{"execute", std::string(adhoc::to_string(stage.default_action()))},
          {"allowed", std::move(allowed)}};
}

Json notes_json(const std::vector<adhoc::Note>& notes) {
  Json out = Json::array();
  for (const auto& note : notes)
    out.push_back({{"type", std::string(adhoc::to_string(note.type))}, {"text", note.text}});
  return out;
}

void print_notes(std::ostream& out, const std::vector<adhoc::Note>& notes) {
  for (const auto& note : notes)
    out << adhoc::to_string(note.type) << ": " << escape_terminal(note.text) << '\n';
}

std::optional<Error> error_from_notes(const adhoc::Response& stage, const std::string& node) {
  if (!stage.has_error_note()) return std::nullopt;
  std::string text;
  for (const auto& note : stage.notes)
    if (note.type == adhoc::NoteType::error) text += (text.empty() ? "" : "; ") + note.text;
  return make_error(ErrorKind::remote, "command_failed", "",
                    "command " + node + " at " + stage.from.str() + " failed: " + text);
}

Json CmdListReport::to_json() const {
  Json commands = Json::array();
  for (const auto& c : list.commands)
    commands.push_back({{"node", c.node}, {"name", or_null(c.name)}});
  return {{"jid", list.jid.str()},
          {"commands", std::move(commands)},
          {"ignored", list.spoofed + list.skipped}};
}

void CmdListReport::print_human(std::ostream& out) const {
  if (list.commands.empty()) {
    out << "(no commands)\n";
    return;
  }
  std::vector<std::string> nodes;
  std::size_t width = 0;
  for (const auto& c : list.commands) {
    nodes.push_back(escape_terminal(c.node));
    width = std::max(width, nodes.back().size());
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& name = list.commands[i].name;
    if (!name) {
      out << nodes[i] << '\n';
      continue;
    }
    out << nodes[i] << std::string(width - nodes[i].size() + 2, ' ') << escape_terminal(*name)
        << '\n';
  }
}

Json CmdShowReport::to_json() const {
  return {{"jid", jid},
          {"node", node},
          {"sessionid", or_null(stage.sessionid)},
          {"status", std::string(adhoc::to_string(stage.status))},
          {"actions", actions_json(stage)},
          {"notes", notes_json(stage.notes)},
          {"form", stage.form ? form_json(*stage.form) : Json(nullptr)},
          {"answers", stage.form ? answers_template(*stage.form) : Json(nullptr)}};
}

void CmdShowReport::print_human(std::ostream& out) const {
  print_notes(out, stage.notes);
  if (stage.form) print_form(out, *stage.form);
  if (!stage.finished()) {
    std::string offered;
    for (const auto action : stage.offered())
      offered += (offered.empty() ? "" : ", ") + std::string(adhoc::to_string(action));
    out << "actions: " << offered << " (execute: " << adhoc::to_string(stage.default_action())
        << ")\n";
  }
  print_status(out, stage);
}

Json CmdRunReport::to_json() const {
  Json list = Json::array();
  for (const auto& s : stages)
    list.push_back({{"status", std::string(adhoc::to_string(s.status))},
                    {"actions", actions_json(s)},
                    {"notes", notes_json(s.notes)},
                    {"form", s.form ? form_json(*s.form) : Json(nullptr)}});
  return {{"jid", jid},
          {"node", node},
          {"sessionid", or_null(sessionid)},
          {"status", canceled         ? Json("canceled")
                     : stages.empty() ? Json(nullptr)
                                      : Json(std::string(adhoc::to_string(stages.back().status)))},
          {"stages", std::move(list)}};
}

void CmdRunReport::print_human(std::ostream& out) const {
  for (const auto& s : stages)
    print_notes(out, s.notes);
  if (stages.empty()) return;
  const auto& last = stages.back();
  // The forms we filled in are not news; what the command gave back is.
  if (last.form && last.form->type != forms::FormType::form) print_form(out, *last.form);
  if (canceled)
    out << "status: canceled\n";
  else
    print_status(out, last);
}

}  // namespace xmpp::cli
