// What `xmpp cmd list|show|run` print (CLI.md "cmd", XEP-0050 version 1.3.0 §2.2, §3.4, §4.2,
// §4.3): the command list, one stage (status, actions, notes, form), and every stage of a run.
// The JSON keys are documented in xmpp-cmd(1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "output.hpp"
#include "xep/adhoc/adhoc.hpp"

namespace xmpp::cli {

/// The environment variable that may hold text-private field VAR's value: XMPP_FIELD_ and VAR
/// with every character outside [A-Za-z0-9] as '_', letters upper case ("muc#roomconfig_
/// roomsecret" -> XMPP_FIELD_MUC_ROOMCONFIG_ROOMSECRET).
std::string field_env_name(std::string_view var);

/// {"execute": what execute means now, "allowed": [the actions offered, cancel last]} while the
/// session is executing (Response::default_action, Response::offered); {"execute":null,
/// "allowed":[]} once it is finished.
nlohmann::ordered_json actions_json(const adhoc::Response& stage);
/// [{"type":"info"|"warn"|"error","text":..}]
nlohmann::ordered_json notes_json(const std::vector<adhoc::Note>& notes);
/// "info: TEXT" lines (escaped), one per note.
void print_notes(std::ostream& out, const std::vector<adhoc::Note>& notes);

/// The error a stage's error notes mean (§3.6: a failed command sends one): kind remote, code
/// "command_failed", the notes' texts; nullopt without error notes.
std::optional<Error> error_from_notes(const adhoc::Response& stage, const std::string& node);

/// `xmpp cmd list JID`: {"jid","commands":[{"node","name"}],"ignored":N}. Human: one line per
/// command, the node and the name in aligned columns.
class CmdListReport : public Report {
 public:
  adhoc::CommandList list;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `xmpp cmd show JID NODE`: {"jid","node","sessionid","status","actions","notes",
/// "form":form_json|null,"answers":answers_template|null}, a valid --answers file. Human: the
/// notes, the form, then "actions: ..." and "status: ...".
class CmdShowReport : public Report {
 public:
  std::string jid;
  std::string node;
  adhoc::Response stage;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `xmpp cmd run JID NODE`: {"jid","node","sessionid","status","stages":[{"status","actions",
/// "notes","form"}]}, one entry per response received (the form as received: the form to fill,
/// or the result). Human: every stage's notes, the last stage's form when it is not a form to
/// fill (the result), and "status: ...".
class CmdRunReport : public Report {
 public:
  std::string jid;
  std::string node;
  std::optional<std::string> sessionid;
  std::vector<adhoc::Response> stages;
  /// We canceled the session after an error (answers refused, deadline, SIGINT): "status" is
  /// then "canceled", whatever the last stage said.
  bool canceled = false;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

}  // namespace xmpp::cli
