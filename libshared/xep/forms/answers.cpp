#include "xep/forms/answers.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "jid/jid.hpp"
#include "xml/writer.hpp"

namespace xmpp::forms {
namespace {

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

/// "field 'maxsubs' (list-single, "Maximum number of subscribers")".
std::string describe(const Field& field) {
  std::string out =
      "field " + quoted(field.var) + " (" + std::string(to_string(field.effective_type()));
  if (field.label && !field.label->empty()) out += ", \"" + *field.label + "\"";
  return out + ")";
}

/// "options: 10, 20, none (None)"; empty when the field has no options.
std::string describe_options(const Field& field) {
  if (field.options.empty()) return {};
  std::vector<std::string> parts;
  for (const auto& o : field.options)
    parts.push_back(o.label && *o.label != o.value ? o.value + " (" + *o.label + ")" : o.value);
  return "options: " + fmt::to_string(fmt::join(parts, ", "));
}

Problem problem(ProblemKind kind, const Field& field, std::string message, std::string value = {}) {
  Problem p;
  p.kind = kind;
  p.var = field.var;
  p.type = field.effective_type();
  p.label = field.label;
  p.options = field.options;
  p.value = std::move(value);
  p.message = std::move(message);
  return p;
}

/// §3.3 note ***: text-multi data is one <value/> per line. A final line break ends the last line
/// rather than starting an empty one; "" is no lines at all.
std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::string line;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\r' && c != '\n') {
      line += c;
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    lines.push_back(std::move(line));
    line.clear();
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

/// The form's spelling of booleans: "true"/"false" when its own value is written that way.
bool form_spells_words(const Field& field) {
  return !field.values.empty() &&
         (field.values.front() == "true" || field.values.front() == "false");
}

/// The answered values of `field`, checked and in canonical form; problems are appended.
std::vector<std::string> answered_values(const Field& field, const std::vector<std::string>& raw,
                                         std::vector<Problem>& problems) {
  const auto type = field.effective_type();
  std::vector<std::string> values;
  for (const auto& v : raw) {
    if (type == FieldType::text_multi) {
      for (auto& line : split_lines(v))
        values.push_back(std::move(line));
    } else if (!(v.empty() && (type == FieldType::list_multi || type == FieldType::jid_multi))) {
      // An empty answer to a list-multi or jid-multi selects nothing.
      values.push_back(v);
    }
  }
  if (!is_multi_valued(type) && values.size() > 1) {
    problems.push_back(
        problem(ProblemKind::too_many_values, field,
                describe(field) + " takes one value, got " + std::to_string(values.size())));
    return {};
  }

  const std::size_t before = problems.size();
  std::vector<std::string> out;
  for (const auto& v : values) {
    if (auto why = check_field_value(field, v)) {
      problems.push_back(problem(ProblemKind::bad_value, field,
                                 describe(field) + ": " + quoted(v) + " is invalid (" + *why + ")",
                                 v));
      continue;
    }
    if (!v.empty() && is_closed_list(field) && !is_option(field, v)) {
      problems.push_back(problem(
          ProblemKind::not_an_option, field,
          describe(field) + ": " + quoted(v) + " is not an option; " + describe_options(field), v));
      continue;
    }
    std::string canonical = v;
    if (!v.empty() && type == FieldType::boolean) {
      const bool b = *parse_boolean(v);
      canonical = form_spells_words(field) ? (b ? "true" : "false") : (b ? "1" : "0");
    } else if (!v.empty() && (type == FieldType::jid_single || type == FieldType::jid_multi)) {
      canonical = Jid::parse(v)->str();
    }
    // §3.3: duplicate JIDs MUST be ignored; a list-multi option is either chosen or not.
    const bool dedupe = type == FieldType::jid_multi || type == FieldType::list_multi;
    if (dedupe && std::find(out.begin(), out.end(), canonical) != out.end()) continue;
    out.push_back(std::move(canonical));
  }
  if (problems.size() != before) return {};

  if (type == FieldType::list_multi) {
    // §3.3: the submitter MUST NOT change the order of the options.
    std::stable_sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
      const auto rank = [&](const std::string& v) {
        const auto it = std::find_if(field.options.begin(), field.options.end(),
                                     [&](const Option& o) { return o.value == v; });
        return it - field.options.begin();
      };
      return rank(a) < rank(b);
    });
    // XEP-0122 §3.3: <list-range/> is for list-multi only.
    if (field.validation && field.validation->list_range) {
      const auto& range = *field.validation->list_range;
      if (range.min && out.size() < *range.min)
        problems.push_back(problem(
            ProblemKind::too_few_values, field,
            describe(field) + " needs at least " + std::to_string(*range.min) + " selected, got " +
                std::to_string(out.size()) + "; " + describe_options(field)));
      if (range.max && out.size() > *range.max)
        problems.push_back(problem(ProblemKind::too_many_values, field,
                                   describe(field) + " takes at most " +
                                       std::to_string(*range.max) + ", got " +
                                       std::to_string(out.size())));
    }
  }
  return out;
}

bool has_value(const std::vector<std::string>& values) {
  return std::any_of(values.begin(), values.end(), [](const std::string& v) { return !v.empty(); });
}

}  // namespace

Result<Assignment> parse_assignment(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return fail(ErrorKind::usage, "bad_assignment", "", "expected VAR=VALUE, got " + quoted(text));
  Assignment a;
  a.var = text.substr(0, eq);
  const auto value = text.substr(eq + 1);
  if (value.substr(0, 2) == "@@") {
    a.value = value.substr(1);
  } else if (!value.empty() && value.front() == '@') {
    if (value.size() == 1)
      return fail(ErrorKind::usage, "bad_assignment", "",
                  a.var + "=@ needs a file name (write @@ for a value starting with @)");
    a.value = value.substr(1);
    a.from_file = true;
  } else {
    a.value = value;
  }
  return a;
}

Answers collect(const std::vector<Assignment>& assignments) {
  Answers out;
  for (const auto& a : assignments) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Answer& x) { return x.var == a.var; });
    if (it == out.end()) it = out.insert(out.end(), Answer{a.var, {}});
    it->values.push_back(a.value);
  }
  return out;
}

Answers overlay(Answers base, const Answers& top) {
  for (const auto& t : top) {
    auto it =
        std::find_if(base.begin(), base.end(), [&](const Answer& x) { return x.var == t.var; });
    if (it == base.end())
      base.push_back(t);
    else
      it->values = t.values;
  }
  return base;
}

std::string_view code(ProblemKind kind) {
  switch (kind) {
  case ProblemKind::unknown_var:
    return "unknown_field";
  case ProblemKind::missing_required:
    return "missing_field";
  case ProblemKind::bad_value:
    return "bad_field_value";
  case ProblemKind::too_many_values:
    return "too_many_values";
  case ProblemKind::too_few_values:
    return "too_few_values";
  case ProblemKind::not_an_option:
    return "not_an_option";
  }
  return "bad_field_value";
}

Error to_error(const std::vector<Problem>& problems) {
  std::vector<std::string> messages;
  for (const auto& p : problems)
    messages.push_back(p.message);
  return make_error(ErrorKind::data, std::string(code(problems.front().kind)), "",
                    fmt::to_string(fmt::join(messages, "; ")));
}

tl::expected<Form, std::vector<Problem>> fill(const Form& form, const Answers& answers,
                                              const SubmitOptions& options) {
  std::vector<Problem> problems;
  // Answers for the same var (a caller's own list may repeat one) add up, like repeated --field.
  std::map<std::string, std::vector<std::string>, std::less<>> given;
  for (const auto& a : answers) {
    const auto* f = form.field(a.var);
    if (f == nullptr) {
      Problem p;
      p.kind = ProblemKind::unknown_var;
      p.var = a.var;
      p.valid_vars = form.input_vars();
      p.message = "the form has no field " + quoted(a.var) +
                  "; its fields: " + fmt::to_string(fmt::join(p.valid_vars, ", "));
      problems.push_back(std::move(p));
      continue;
    }
    if (f->effective_type() == FieldType::fixed) {
      problems.push_back(
          problem(ProblemKind::bad_value, *f, describe(*f) + " is text to read, not an input"));
      continue;
    }
    auto& values = given[a.var];
    values.insert(values.end(), a.values.begin(), a.values.end());
  }

  Form submit;
  submit.type = FormType::submit;
  for (const auto& f : form.fields) {
    const auto type = f.effective_type();
    if (f.var.empty() || type == FieldType::fixed) continue;
    // The first field of a var is the one answered (§3.2 wants vars unique).
    if (form.field(f.var) != &f) continue;
    std::vector<std::string> values;
    const auto it = given.find(f.var);
    if (it != given.end()) {
      const std::size_t before = problems.size();
      values = answered_values(f, it->second, problems);
      if (problems.size() != before) continue;
    } else if (type == FieldType::hidden || f.required || options.carry == Carry::all) {
      values = f.values;
      if (values.empty() && !f.required) continue;
    } else {
      continue;
    }
    if (f.required && !has_value(values)) {
      std::string message = "required " + describe(f) + " has no value";
      if (const auto choices = describe_options(f); !choices.empty()) message += "; " + choices;
      problems.push_back(problem(ProblemKind::missing_required, f, std::move(message)));
      continue;
    }
    Field out;
    out.var = f.var;
    if (options.with_types) out.type = f.type;
    out.values = std::move(values);
    submit.fields.push_back(std::move(out));
  }
  if (!problems.empty()) return tl::unexpected(std::move(problems));
  return submit;
}

Result<Form> make_submit(std::optional<std::string> form_type, const Answers& answers) {
  Form submit;
  submit.type = FormType::submit;
  if (form_type) {
    Field f;
    f.var = std::string(k_form_type_var);
    f.type = FieldType::hidden;
    f.values.push_back(std::move(*form_type));
    submit.fields.push_back(std::move(f));
  }
  for (const auto& a : answers) {
    if (a.var == k_form_type_var) continue;
    const bool ok = xml::is_xml_text(a.var) &&
                    std::all_of(a.values.begin(), a.values.end(),
                                [](const std::string& v) { return xml::is_xml_text(v); });
    if (!ok)
      return fail(ErrorKind::data, std::string(code(ProblemKind::bad_value)), "",
                  "field " + quoted(a.var) +
                      ": not text XML can carry (control characters or invalid UTF-8)");
    Field f;
    f.var = a.var;
    f.values = a.values;
    submit.fields.push_back(std::move(f));
  }
  return submit;
}

}  // namespace xmpp::forms
