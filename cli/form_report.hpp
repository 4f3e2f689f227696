// Data forms (XEP-0004 §3) on the command line: a form shown to people and as JSON, and answers
// read from VAR=VALUE arguments and answers files. Shared by `muc create/config`, `pubsub
// create/configure` and `cmd show/run` (CLI.md), so every command shows and fills forms alike.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "xep/forms/answers.hpp"
#include "xep/forms/form.hpp"

namespace xmpp::cli {

/// The form as JSON (the keys are part of the contract, documented in xmpp-cmd(1) and
/// xmpp-muc(1)):
///   {"type":"form","title":..|null,"instructions":[..],
///    "fields":[{"var":..,"type":..,"label":..|null,"desc":..|null,"required":bool,
///               "values":[..],"options":[{"label":..|null,"value":..}]}],
///    "table":{"columns":[{"var","label","type"}],"rows":[{"VAR":[values],..}]}|null}
/// Fixed fields appear with var null. text-private values are never included ("values":[] and
/// "private":true), whatever the form carried.
/// Each field also has "private" (bool, every field), "validate" (XEP-0122: {"datatype","method":
/// basic|open|range|regex,"min","max","regex","list_range":{"min","max"}|null}|null) and "media"
/// (XEP-0221: {"height","width","uris":[{"type","uri"}]}|null); "type" is the effective type
/// (text-single when the form leaves it out), in fields and in table columns alike. Text-private
/// table columns have [] in every row.
nlohmann::ordered_json form_json(const forms::Form& form);

/// The answers template of a form: {"VAR": value} for every input field (Form::input_vars()),
/// the current value as a string for single-valued fields and as an array for multi-valued ones;
/// text-private fields are null. read_answers_file() accepts exactly this shape, so
/// `xmpp cmd show --json` piped through jq into a file is a valid --answers file.
nlohmann::ordered_json answers_template(const forms::Form& form);

/// The form for people: the title, the instructions, then one block per field (fixed fields as
/// plain text lines): the var, type and "(required)", the label, the current value(s), the options
/// as "value (label)", the description; then a result table (XEP-0004 §3.4) with aligned columns.
/// Every string from the network goes through escape_terminal. Hidden fields are not shown (§3.3:
/// not for the submitter; form_json has them); a text-private value shows as "(set, not shown)".
/// With XEP-0141 layout, the pages and sections in order with each field where it is referenced,
/// then the fields no page refers to.
void print_form(std::ostream& out, const forms::Form& form);

/// Reads --set/--field arguments: forms::parse_assignment on each, and the file of every
/// VAR=@PATH read into its value (one trailing newline dropped). Errors: usage (64)
/// "bad_assignment"; no_input (66) when a file is missing or unreadable.
Result<std::vector<forms::Assignment>> read_assignments(const std::vector<std::string>& arguments);

/// Refuses values for text-private fields given on the command line (SECURITY.md: no secret on
/// argv): every assignment of `form`'s private vars must have come from a file (VAR=@PATH).
/// Errors: usage (64) "secret_on_command_line", naming the field.
Result<void> check_no_private_on_argv(const forms::Form& form,
                                      const std::vector<forms::Assignment>& assignments);

/// An --answers file: either one flat object {"VAR": "value" | ["v1","v2"] | true | number} for
/// every stage, or {"stages":[{..},{..}]} with one object per stage in order. Booleans and
/// numbers are written as strings ("true"/"false", decimal). Errors: no_input (66) for a missing
/// or unreadable file, data (65) "bad_answers_file" for JSON of another shape.
/// Also accepted: a `cmd show --json` document, whose "answers" object is the flat answers (null
/// "answers" beside a "form" key: nothing to answer). null as a value is no answer (the template's
/// text-private and empty single-valued fields); [] answers a multi-valued field with nothing.
struct AnswersFile {
  bool per_stage = false;
  std::vector<forms::Answers> stages;  ///< one entry when !per_stage
  /// The answers for stage `index` (0-based): the flat answers for every stage, else that
  /// stage's (empty past the last).
  forms::Answers for_stage(std::size_t index) const;
};
Result<AnswersFile> read_answers_file(const std::filesystem::path& path);

/// Reads one line of a prompt: `prompt` is shown, `secret` turns echo off (text-private). nullopt
/// at end of input. Errors: kind interrupted (SIGINT while reading), no_input.
using AskLine =
    std::function<Result<std::optional<std::string>>(const std::string& prompt, bool secret)>;

/// Asks for one input field, type-aware: boolean y/n, list options by number or value (several
/// numbers for list-multi), text-multi and jid-multi line by line until a line with a single '.',
/// text-private without echo; the field's block (print_form) is written to `out` first. An empty
/// answer keeps `current` (the answer so far, else the form's value): nullopt is returned then,
/// and at end of input. A boolean or option number that is not understood is asked again.
Result<std::optional<std::vector<std::string>>>
ask_field(const forms::Field& field, const std::optional<std::vector<std::string>>& current,
          std::ostream& out, const AskLine& ask);

/// The AskLine of a terminal: /dev/tty, with SIGINT/SIGTERM giving kind interrupted and the
/// terminal restored; nullopt when there is no terminal.
std::optional<AskLine> tty_ask_line();

}  // namespace xmpp::cli
