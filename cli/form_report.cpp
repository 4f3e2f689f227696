#include "form_report.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "credentials.hpp"
#include "output.hpp"
#include "xep/forms/table.hpp"

namespace xmpp::cli {
namespace {

using Json = nlohmann::ordered_json;

/// A field value file or an answers file larger than this is a mistake (or /dev/zero), not data.
constexpr std::size_t k_max_file_bytes = 16 * 1024 * 1024;

/// Reads all of `path`. Errors: no_input "file_unreadable" (missing, a directory, unreadable,
/// larger than k_max_file_bytes).
Result<std::string> read_file(const std::string& path) {
  const auto unreadable = [&](const std::string& why) {
    return fail(ErrorKind::no_input, "file_unreadable", "", path + ": " + why);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unreadable(std::strerror(errno));
  std::string text;
  char buffer[8192];
  for (;;) {
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return unreadable(std::strerror(error));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > k_max_file_bytes) {
      ::close(fd);
      return unreadable(fmt::format("larger than {} bytes", k_max_file_bytes));
    }
  }
  ::close(fd);
  return text;
}

bool shows_type(const forms::Form& form, const forms::Field& field) {
  // A form to fill in says what each field is (§3.2: text-single when absent); results and
  // submissions usually leave types out, and "(text-single)" on every line would be noise.
  return field.type.has_value() || form.type == forms::FormType::form;
}

std::string validation_human(const forms::Validation& v) {
  std::string out(v.effective_datatype());
  switch (v.method) {
  case forms::Method::none:
  case forms::Method::basic:
    break;
  case forms::Method::open:
    out += ", other values allowed";
    break;
  case forms::Method::range:
    out += fmt::format(", from {} to {}", v.range.min.value_or("-"), v.range.max.value_or("-"));
    break;
  case forms::Method::regex:
    out += ", matching " + v.regex;
    break;
  }
  if (v.list_range) {
    out += fmt::format(", {} to {} values",
                       v.list_range->min ? std::to_string(*v.list_range->min) : "0",
                       v.list_range->max ? std::to_string(*v.list_range->max) : "any");
  }
  return escape_terminal(out);
}

void print_field(std::ostream& out, const forms::Form& form, const forms::Field& field) {
  const auto type = field.effective_type();
  if (type == forms::FieldType::hidden) return;  // §3.3: not shown to the form-submitting entity
  if (type == forms::FieldType::fixed) {
    // Section headings and explanations: text to read, one line per value.
    for (const auto& v : field.values)
      out << escape_terminal(v) << '\n';
    return;
  }
  out << escape_terminal(field.var.empty() ? "(no var)" : field.var);
  if (shows_type(form, field)) out << " (" << forms::to_string(type) << ')';
  if (field.required) out << " (required)";
  out << '\n';
  if (field.label) out << "  label: " << escape_terminal(*field.label) << '\n';
  if (field.is_private()) {
    // SECURITY.md (c): a secret is never printed, even one the sender put in the form.
    if (!field.values.empty()) out << "  value: (set, not shown)\n";
  } else {
    for (const auto& v : field.values)
      out << "  value: " << escape_terminal(v) << '\n';
  }
  if (!field.options.empty()) {
    out << "  options:\n";
    for (const auto& o : field.options) {
      out << "    " << escape_terminal(o.value);
      if (o.label && *o.label != o.value) out << " (" << escape_terminal(*o.label) << ')';
      out << '\n';
    }
  }
  if (field.validation) out << "  validate: " << validation_human(*field.validation) << '\n';
  if (field.media) {
    for (const auto& uri : field.media->uris)
      out << "  media: " << escape_terminal(uri.type) << ' ' << escape_terminal(uri.uri) << '\n';
  }
  if (field.desc) out << "  desc: " << escape_terminal(forms::display_text(*field.desc)) << '\n';
}

/// Terminal columns of escaped text: one per code point (UTF-8 continuation bytes take none).
/// Wide (CJK) characters are counted as one: alignment is best effort.
std::size_t text_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool is_private_column(const forms::Column& column) {
  return column.type == forms::FieldType::text_private;
}

void print_table(std::ostream& out, const forms::Table& table) {
  if (table.columns.empty()) return;
  std::vector<std::vector<std::string>> cells;
  auto& header = cells.emplace_back();
  for (const auto& c : table.columns)
    header.push_back(escape_terminal(c.label && !c.label->empty() ? *c.label : c.var));
  for (const auto& row : table.rows) {
    auto& line = cells.emplace_back();
    for (std::size_t j = 0; j < table.columns.size(); ++j) {
      std::string cell;
      if (is_private_column(table.columns[j])) {
        if (!row[j].empty()) cell = "(not shown)";
      } else {
        for (const auto& v : row[j])
          cell += (cell.empty() ? "" : ", ") + escape_terminal(v);
      }
      line.push_back(std::move(cell));
    }
  }
  std::vector<std::size_t> widths(table.columns.size(), 0);
  for (const auto& line : cells)
    for (std::size_t j = 0; j < line.size(); ++j)
      widths[j] = std::max(widths[j], text_width(line[j]));
  for (const auto& line : cells) {
    std::string text;
    for (std::size_t j = 0; j < line.size(); ++j) {
      text += line[j];
      if (j + 1 < line.size()) text += std::string(widths[j] - text_width(line[j]) + 2, ' ');
    }
    // No trailing blanks from empty last cells.
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << '\n';
  }
  if (table.rows.empty()) out << "(no items)\n";
}

/// XEP-0141 rendering state: which fields a page or section has shown, whether the table has.
struct LayoutPrinter {
  std::ostream& out;
  const forms::Form& form;
  const forms::Table& table;
  std::set<std::string, std::less<>> shown;
  bool table_shown = false;

  void text(const std::string& t) { out << escape_terminal(forms::display_text(t)) << '\n'; }

  void items(const std::vector<forms::LayoutItem>& list) {
    for (const auto& item : list) {
      if (const auto* t = std::get_if<forms::LayoutText>(&item.value)) {
        text(t->text);
      } else if (const auto* ref = std::get_if<forms::FieldRef>(&item.value)) {
        const auto* f = form.field(ref->var);
        // §4.2: a field SHOULD NOT be referenced twice; show it once.
        if (f == nullptr || !shown.insert(ref->var).second) continue;
        print_field(out, form, *f);
      } else if (std::holds_alternative<forms::ReportedRef>(item.value)) {
        if (table_shown || form.reported.empty()) continue;
        print_table(out, table);
        table_shown = true;
      } else if (const auto* section = std::get_if<forms::Section>(&item.value)) {
        out << '\n' << "-- " << escape_terminal(section->label.value_or("")) << " --\n";
        items(section->items);
      }
    }
  }
};

Json validation_json(const forms::Validation& v) {
  Json out{{"datatype", std::string(v.effective_datatype())}};
  switch (v.method) {
  case forms::Method::none:
  case forms::Method::basic:
    out["method"] = "basic";
    break;
  case forms::Method::open:
    out["method"] = "open";
    break;
  case forms::Method::range:
    out["method"] = "range";
    break;
  case forms::Method::regex:
    out["method"] = "regex";
    break;
  }
  out["min"] = v.method == forms::Method::range ? or_null(v.range.min) : Json(nullptr);
  out["max"] = v.method == forms::Method::range ? or_null(v.range.max) : Json(nullptr);
  out["regex"] = v.method == forms::Method::regex ? Json(v.regex) : Json(nullptr);
  out["list_range"] = nullptr;
  if (v.list_range)
    out["list_range"] = {{"min", v.list_range->min ? Json(*v.list_range->min) : Json(nullptr)},
                         {"max", v.list_range->max ? Json(*v.list_range->max) : Json(nullptr)}};
  return out;
}

Json field_json(const forms::Field& field) {
  Json out;
  out["var"] = field.var.empty() ? Json(nullptr) : Json(field.var);
  out["type"] = std::string(forms::to_string(field.effective_type()));
  out["label"] = or_null(field.label);
  out["desc"] = or_null(field.desc);
  out["required"] = field.required;
  out["private"] = field.is_private();
  // SECURITY.md (c): a text-private value never reaches stdout, whatever the sender put in it.
  out["values"] = field.is_private() ? Json::array() : Json(field.values);
  Json options = Json::array();
  for (const auto& o : field.options)
    options.push_back({{"label", or_null(o.label)}, {"value", o.value}});
  out["options"] = std::move(options);
  out["validate"] = field.validation ? validation_json(*field.validation) : Json(nullptr);
  out["media"] = nullptr;
  if (field.media) {
    Json uris = Json::array();
    for (const auto& u : field.media->uris)
      uris.push_back({{"type", u.type}, {"uri", u.uri}});
    out["media"] = {{"height", field.media->height ? Json(*field.media->height) : Json(nullptr)},
                    {"width", field.media->width ? Json(*field.media->width) : Json(nullptr)},
                    {"uris", std::move(uris)}};
  }
  return out;
}

Json table_json(const forms::Form& form) {
  const auto table = forms::table(form);
  if (table.columns.empty() && table.rows.empty()) return nullptr;
  Json columns = Json::array();
  for (const auto& c : table.columns)
    columns.push_back(
        {{"var", c.var},
         {"label", or_null(c.label)},
         {"type", std::string(forms::to_string(c.type.value_or(forms::FieldType::text_single)))}});
  Json rows = Json::array();
  for (const auto& row : table.rows) {
    Json r = Json::object();
    for (std::size_t j = 0; j < table.columns.size(); ++j)
      r[table.columns[j].var] = is_private_column(table.columns[j]) ? Json::array() : Json(row[j]);
    rows.push_back(std::move(r));
  }
  return {{"columns", std::move(columns)}, {"rows", std::move(rows)}};
}

tl::unexpected<Error> bad_answers(const std::string& where, const std::string& what) {
  return fail(ErrorKind::data, "bad_answers_file", "", where + ": " + what);
}

/// One answer value as text: strings as they are, booleans "true"/"false", numbers in decimal.
std::optional<std::string> scalar_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  return std::nullopt;
}

/// One stage's answers: {"VAR": scalar | [scalars] | null}; null is no answer (the template's
/// text-private fields and empty single-valued fields).
Result<forms::Answers> parse_stage(const Json& object, const std::string& where) {
  if (!object.is_object()) return bad_answers(where, "expected an object of VAR: value");
  forms::Answers answers;
  for (const auto& [var, value] : object.items()) {
    if (value.is_null()) continue;
    forms::Answer answer{var, {}};
    if (value.is_array()) {
      for (const auto& v : value) {
        auto text = scalar_text(v);
        if (!text)
          return bad_answers(where, fmt::format("\"{}\": a list of values holds something that "
                                                "is not a string, boolean or number",
                                                var));
        answer.values.push_back(std::move(*text));
      }
    } else if (auto text = scalar_text(value)) {
      answer.values.push_back(std::move(*text));
    } else {
      return bad_answers(
          where, fmt::format("\"{}\": expected a string, boolean, number, list or null", var));
    }
    answers.push_back(std::move(answer));
  }
  return answers;
}

bool is_array_of_objects(const Json& value) {
  return value.is_array() &&
         std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_object(); });
}

volatile std::sig_atomic_t g_ask_signal = 0;
extern "C" void on_ask_signal(int sig) {
  g_ask_signal = sig;
}

/// SIGINT/SIGTERM interrupt a blocking read of the terminal (no SA_RESTART) for as long as this
/// lives; the run loop's own handling comes back afterwards.
class SignalsInterruptRead {
 public:
  SignalsInterruptRead() {
    g_ask_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_ask_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ::sigaction(SIGINT, &sa, &m_old_int);
    ::sigaction(SIGTERM, &sa, &m_old_term);
  }
  SignalsInterruptRead(const SignalsInterruptRead&) = delete;
  SignalsInterruptRead& operator=(const SignalsInterruptRead&) = delete;
  ~SignalsInterruptRead() {
    ::sigaction(SIGINT, &m_old_int, nullptr);
    ::sigaction(SIGTERM, &m_old_term, nullptr);
  }

 private:
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
};

Result<std::optional<std::string>> read_tty_line(int fd, const std::string& prompt) {
  SignalsInterruptRead guard;
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  for (;;) {
    char c = 0;
    const auto n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) {
      if (g_ask_signal != 0)
        return fail(ErrorKind::interrupted, "interrupted", "", "interrupted at the prompt");
      continue;
    }
    if (n < 0) return fail(ErrorKind::no_input, "tty_unreadable", "", std::strerror(errno));
    if (n == 0) return line.empty() ? std::optional<std::string>() : std::optional(line);
    if (c == '\n') return std::optional(line);
    if (c != '\r') line += c;
  }
}

bool is_multi_line(forms::FieldType type) {
  return type == forms::FieldType::text_multi || type == forms::FieldType::jid_multi;
}

/// "1 3" or "1,3": option numbers (1-based); nullopt when a part is not a number in range.
std::optional<std::vector<std::string>> chosen_options(const forms::Field& field,
                                                       const std::string& answer) {
  std::vector<std::string> out;
  std::string part;
  const auto take = [&]() {
    if (part.empty()) return true;
    std::size_t n = 0;
    for (const char c : part) {
      if (c < '0' || c > '9' || n > field.options.size()) return false;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (n == 0 || n > field.options.size()) return false;
    out.push_back(field.options[n - 1].value);
    part.clear();
    return true;
  };
  for (const char c : answer) {
    if (c == ' ' || c == ',' || c == '\t') {
      if (!take()) return std::nullopt;
    } else {
      part += c;
    }
  }
  if (!take() || out.empty()) return std::nullopt;
  return out;
}

}  // namespace

Json form_json(const forms::Form& form) {
  Json out;
  out["type"] = std::string(forms::to_string(form.type));
  out["title"] = or_null(form.title);
  out["instructions"] = form.instructions;
  Json fields = Json::array();
  for (const auto& f : form.fields)
    fields.push_back(field_json(f));
  out["fields"] = std::move(fields);
  out["table"] = table_json(form);
  return out;
}

Json answers_template(const forms::Form& form) {
  Json out = Json::object();
  for (const auto& f : form.fields) {
    // The first field of a var is the one fill() answers (§3.2 wants vars unique).
    if (!f.is_input() || form.field(f.var) != &f) continue;
    if (f.is_private())
      out[f.var] = nullptr;
    else if (forms::is_multi_valued(f.effective_type()))
      out[f.var] = f.values;
    else
      out[f.var] = f.values.empty() ? Json(nullptr) : Json(f.values.front());
  }
  return out;
}

void print_form(std::ostream& out, const forms::Form& form) {
  if (form.title) out << escape_terminal(forms::display_text(*form.title)) << '\n';
  for (const auto& i : form.instructions)
    out << escape_terminal(forms::display_text(i)) << '\n';
  if (form.title || !form.instructions.empty()) out << '\n';
  const auto table = forms::table(form);
  if (form.layout.empty()) {
    for (const auto& f : form.fields)
      print_field(out, form, f);
    print_table(out, table);
    return;
  }
  // XEP-0141 §4.2: pages in document order, fields where they are referenced. Fields no page
  // refers to MAY stay unrendered; they are shown after the pages so nothing is lost.
  LayoutPrinter printer{out, form, table, {}, false};
  for (const auto& page : form.layout) {
    out << "== " << escape_terminal(page.label.value_or("")) << " ==\n";
    printer.items(page.items);
    out << '\n';
  }
  for (const auto& f : form.fields)
    if (f.var.empty() || printer.shown.count(f.var) == 0) print_field(out, form, f);
  if (!printer.table_shown) print_table(out, table);
}

Result<std::vector<forms::Assignment>> read_assignments(const std::vector<std::string>& arguments) {
  std::vector<forms::Assignment> out;
  for (const auto& argument : arguments) {
    auto a = forms::parse_assignment(argument);
    if (!a) return fail(a.error());
    if (a->from_file) {
      auto text = read_file(a->value);
      if (!text) return fail(text.error().with_context(a->var));
      // A file written by an editor or `echo` ends in a line break that is not part of the value.
      if (!text->empty() && text->back() == '\n') {
        text->pop_back();
        if (!text->empty() && text->back() == '\r') text->pop_back();
      }
      a->value = std::move(*text);
    }
    out.push_back(std::move(*a));
  }
  return out;
}

Result<void> check_no_private_on_argv(const forms::Form& form,
                                      const std::vector<forms::Assignment>& assignments) {
  const auto secrets = form.private_vars();
  std::vector<std::string> offending;
  for (const auto& a : assignments) {
    const bool secret = std::find(secrets.begin(), secrets.end(), a.var) != secrets.end();
    if (secret && !a.from_file &&
        std::find(offending.begin(), offending.end(), a.var) == offending.end())
      offending.push_back(a.var);
  }
  if (offending.empty()) return {};
  std::string names;
  for (const auto& var : offending)
    names += (names.empty() ? "'" : ", '") + var + "'";
  const bool one = offending.size() == 1;
  // SECURITY.md (c): argv is readable by every local user (ps, /proc/PID/cmdline).
  return fail(ErrorKind::usage, "secret_on_command_line", "",
              fmt::format("{} {} {} text-private: a secret is never taken from the command line; "
                          "give {} as {}=@FILE",
                          one ? "field" : "fields", names, one ? "is" : "are", one ? "it" : "each",
                          one ? offending.front() : "VAR"));
}

forms::Answers AnswersFile::for_stage(std::size_t index) const {
  if (!per_stage) return stages.empty() ? forms::Answers{} : stages.front();
  return index < stages.size() ? stages[index] : forms::Answers{};
}

Result<AnswersFile> read_answers_file(const std::filesystem::path& path) {
  const auto where = path.string();
  auto text = read_file(where);
  if (!text) return fail(text.error());
  const auto doc = Json::parse(*text, nullptr, false);
  if (doc.is_discarded()) return bad_answers(where, "not valid JSON");
  if (!doc.is_object()) return bad_answers(where, "expected a JSON object");

  AnswersFile out;
  // `xmpp cmd show --json`: the template is its "answers" (null when the stage had no form).
  // A flat file cannot hold an object as a value, so an object here is unambiguous.
  if (const auto answers = doc.find("answers");
      answers != doc.end() &&
      (answers->is_object() || (answers->is_null() && doc.contains("form")))) {
    if (answers->is_null()) {
      out.stages.emplace_back();
      return out;
    }
    auto stage = parse_stage(*answers, where + ": \"answers\"");
    if (!stage) return fail(stage.error());
    out.stages.push_back(std::move(*stage));
    return out;
  }
  // {"stages":[{..},..]}; a flat answer for a field named "stages" is a list of scalars instead.
  if (const auto stages = doc.find("stages"); stages != doc.end() && is_array_of_objects(*stages)) {
    out.per_stage = true;
    for (std::size_t i = 0; i < stages->size(); ++i) {
      auto stage = parse_stage((*stages)[i], fmt::format("{}: stage {}", where, i + 1));
      if (!stage) return fail(stage.error());
      out.stages.push_back(std::move(*stage));
    }
    return out;
  }
  auto flat = parse_stage(doc, where);
  if (!flat) return fail(flat.error());
  out.stages.push_back(std::move(*flat));
  return out;
}

}  // namespace xmpp::cli

namespace xmpp::cli {

Result<std::optional<std::vector<std::string>>>
ask_field(const forms::Field& field, const std::optional<std::vector<std::string>>& current,
          std::ostream& out, const AskLine& ask) {
  using Values = std::optional<std::vector<std::string>>;
  const auto type = field.effective_type();
  forms::Form one;
  one.fields.push_back(field);
  if (current) one.fields.front().values = *current;
  print_form(out, one);
  const auto& now = current ? *current : field.values;
  std::string shown;
  if (!field.is_private())
    for (const auto& v : now)
      shown += (shown.empty() ? "" : ", ") + escape_terminal(v);
  const std::string keep = shown.empty() ? "" : " [" + shown + "]";

  if (is_multi_line(type)) {
    out << "  one per line; a line with a single '.' ends"
        << (now.empty() ? "" : ", an empty first line keeps the value") << '\n';
    out.flush();
    std::vector<std::string> lines;
    for (;;) {
      auto line = ask(lines.empty() ? field.var + "> " : "> ", false);
      if (!line) return fail(line.error());
      if (!*line || **line == ".") break;
      if (lines.empty() && (*line)->empty()) return Values{};
      lines.push_back(std::move(**line));
    }
    return Values{std::move(lines)};
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::string prompt = field.var;
    if (type == forms::FieldType::boolean)
      prompt += " (y/n)";
    else if (!field.options.empty())
      prompt +=
          type == forms::FieldType::list_multi ? " (numbers or a value)" : " (number or value)";
    if (!field.options.empty() && attempt == 0) {
      for (std::size_t i = 0; i < field.options.size(); ++i) {
        const auto& o = field.options[i];
        out << "  " << i + 1 << ") " << escape_terminal(o.value);
        if (o.label && *o.label != o.value) out << " (" << escape_terminal(*o.label) << ')';
        out << '\n';
      }
    }
    out.flush();
    auto line = ask(prompt + keep + ": ", field.is_private());
    if (!line) return fail(line.error());
    if (!*line || (*line)->empty()) return Values{};
    const auto& answer = **line;
    if (type == forms::FieldType::boolean) {
      if (answer == "y" || answer == "Y" || answer == "yes") return Values{{"1"}};
      if (answer == "n" || answer == "N" || answer == "no") return Values{{"0"}};
      if (auto b = forms::parse_boolean(answer)) return Values{{*b ? "1" : "0"}};
      out << "  answer y or n\n";
      continue;
    }
    if (!field.options.empty()) {
      if (auto chosen = chosen_options(field, answer)) {
        if (type == forms::FieldType::list_single && chosen->size() != 1) {
          out << "  choose one\n";
          continue;
        }
        return Values{std::move(*chosen)};
      }
      // Not numbers: the value itself (an open list takes others; fill() checks closed ones).
    }
    return Values{{answer}};
  }
  return fail(ErrorKind::usage, "bad_answer", "", field.var + ": no usable answer");
}

std::optional<AskLine> tty_ask_line() {
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  const auto holder = std::shared_ptr<int>(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  return AskLine(
      [holder](const std::string& prompt, bool secret) -> Result<std::optional<std::string>> {
        if (!secret) return read_tty_line(*holder, prompt);
        auto answer = tty_prompt(prompt);
        if (!answer) return fail(answer.error());
        if (!*answer) return std::optional<std::string>();
        return std::optional<std::string>((*answer)->str());
      });
}

}  // namespace xmpp::cli
