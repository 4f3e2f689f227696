// Filling in a data form (XEP-0004 version 2.13.2 §3.1-§3.3, §3.5): VAR=VALUE assignments and
// pre-parsed answers applied to a received form give the submit form, or every problem with the
// answers at once (unknown var, missing required field, bad value for the field's type or its
// XEP-0122 validation, too many or too few values, value not among a closed list's options).
// Serves `muc create/config --set`, `pubsub create/configure --set` and `--option`, and
// `cmd run --field`/`--answers`. No I/O: files named by VAR=@FILE are read by the caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "core/result.hpp"
#include "xep/forms/form.hpp"

namespace xmpp::forms {

/// One VAR=VALUE from the command line.
struct Assignment {
  std::string var;
  std::string value;       ///< the value, or the path when from_file
  bool from_file = false;  ///< VAR=@PATH: the caller reads PATH and puts its contents in value
  bool operator==(const Assignment&) const = default;
};

/// Splits "VAR=VALUE" at the first '='. "VAR=@PATH" reads from a file (from_file, value = PATH);
/// "VAR=@@TEXT" is the literal value "@TEXT". "VAR=" is an empty value (it clears the field).
/// Errors: kind usage, code "bad_assignment", when there is no '=' or VAR is empty.
Result<Assignment> parse_assignment(std::string_view text);

/// The values given for one var.
struct Answer {
  std::string var;
  std::vector<std::string> values;
  bool operator==(const Answer&) const = default;
};
using Answers = std::vector<Answer>;

/// Groups assignments by var, in order of first appearance; a repeated var gathers its values in
/// order (how a multi-valued field gets several).
Answers collect(const std::vector<Assignment>& assignments);
/// `base` with every var of `top` replaced by top's values (e.g. --field over an answers file);
/// vars only in `top` are appended in its order.
Answers overlay(Answers base, const Answers& top);

/// What is wrong with an answer.
enum class ProblemKind {
  unknown_var,       ///< the form has no such field (or it is a field without var)
  missing_required,  ///< a <required/> field ends up without a value
  bad_value,  ///< the value does not fit the field's type or <validate/>, or the field is fixed
  too_many_values,  ///< several values for a single-valued field, or above a <list-range max/>
  too_few_values,   ///< below a <list-range min/> (XEP-0122 §3.3)
  not_an_option,    ///< a value outside a closed list's options
};

/// Stable snake_case identifier of a problem kind, used as Error::code: "unknown_field",
/// "missing_field", "bad_field_value", "too_many_values", "too_few_values", "not_an_option".
std::string_view code(ProblemKind kind);

/// One problem, with what a person needs to fix it.
struct Problem {
  ProblemKind kind = ProblemKind::bad_value;
  std::string var;
  std::optional<FieldType> type;        ///< the field's effective type; nullopt for unknown_var
  std::optional<std::string> label;     ///< the field's label
  std::vector<Option> options;          ///< the field's options (list fields)
  std::vector<std::string> valid_vars;  ///< unknown_var: Form::input_vars()
  std::string value;                    ///< bad_value, not_an_option: the value given
  std::string message;                  ///< one sentence naming the field, its type and options
  bool operator==(const Problem&) const = default;
};

/// All the problems as one Error: kind data (exit 65, CLI.md "form answers invalid"), the code of
/// the first problem, the messages joined by "; ". `problems` must not be empty.
Error to_error(const std::vector<Problem>& problems);

/// Which fields a submit carries besides the answered ones, hidden ones and required ones.
enum class Carry {
  /// Every field with a value: the form's current value when not answered. What clients that
  /// show a pre-filled form send; the safe choice for ad-hoc commands.
  all,
  /// Only answered, hidden and required fields: an incomplete submission (§3.5), the others keep
  /// their current values on the processing side.
  answered,
};

struct SubmitOptions {
  Carry carry = Carry::all;
  /// Write each field's type attribute (§3.2: MAY be present for clarity; XEP-0004 example 3
  /// has it, XEP-0050's examples do not).
  bool with_types = true;
};

/// The submit form for `form` filled with `answers`, or every problem found.
///
/// The submit (type 'submit', in the form's field order) carries: FORM_TYPE and every other
/// hidden field, with the form's values unless answered; every answered field; required fields
/// with their current values; with Carry::all every other field that has a value. Fixed fields
/// and fields without var are never carried (§3.3). Answered values are checked per field type
/// (check_field_value, options of closed lists, XEP-0122 validation and list-range) and written
/// in canonical form: a boolean as the form writes its own ("true"/"false" when the form's value
/// is spelled that way, else "1"/"0"), a JID normalised (RFC 7622), list-multi values in the
/// order of the options (§3.3: the order MUST NOT change) and jid-multi/list-multi duplicates
/// dropped (§3.3: duplicate JIDs MUST be ignored). A text-multi value is split at line breaks
/// into one <value/> per line (§3.3 note ***); a single trailing line break ends the last line.
/// An empty value clears: a single-valued field is sent with an empty <value/>, a list-multi,
/// jid-multi or text-multi one with no <value/> (a hidden field keeps it as given); a cleared
/// required field is missing.
tl::expected<Form, std::vector<Problem>> fill(const Form& form, const Answers& answers,
                                              const SubmitOptions& options = {});

/// A submit form built without a received form, for protocols that let the submitter write one
/// directly (XEP-0060 §7.1.5 publish-options, §8.1.3 create-and-configure): a hidden FORM_TYPE
/// field when `form_type` is given, then one field per answer, values as given and no types.
/// Answers for FORM_TYPE are ignored (the argument names it). Errors: kind data, code
/// "bad_field_value", for a value XML cannot carry (control characters, invalid UTF-8).
Result<Form> make_submit(std::optional<std::string> form_type, const Answers& answers);

}  // namespace xmpp::forms
