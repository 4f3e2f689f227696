// `xmpp cmd list|show|run` (CLI.md "cmd"): XEP-0050 ad-hoc commands with XEP-0004 forms filled
// from --field, --answers, XMPP_FIELD_* and prompts. A session we open is always closed: cancel
// on an error, the deadline or SIGINT (XEP-0050 §3.3: responders keep sessions until then).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "cmd_report.hpp"
#include "commands.hpp"
#include "form_report.hpp"
#include "xep/adhoc/adhoc_ops.hpp"
#include "xep/forms/answers.hpp"

namespace xmpp::cli {
namespace {

/// While it lives, a first SIGINT/SIGTERM only marks the context interrupted (Context::
/// on_interrupt): the command then closes the open ad-hoc session before it exits 130/143.
struct InterruptGuard {
  explicit InterruptGuard(Context& context) : m_context(context) { m_context.on_interrupt([] {}); }
  ~InterruptGuard() { m_context.on_interrupt(nullptr); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  Context& m_context;
};

using std::chrono::milliseconds;

/// Kept back from the overall deadline for each request, so a session can still be canceled.
constexpr milliseconds k_cancel_reserve{1500};
constexpr milliseconds k_min_cancel{300};

struct CmdArgs {
  std::string action = "list";  ///< list, show, run
  std::string jid;
  std::string node;
  std::vector<std::string> fields;
  std::optional<std::string> answers;
  std::optional<std::string> step;  ///< --action
  bool interactive = false;
};

milliseconds request_timeout(const Context& ctx) {
  // Without a deadline (prompts dropped the default one) each request still gets the default.
  if (!ctx.deadline()) return milliseconds(static_cast<long>(k_default_timeout_s * 1000));
  return std::max(ctx.remaining() - k_cancel_reserve, k_min_cancel);
}

const forms::Answer* find_answer(const forms::Answers& answers, std::string_view var) {
  const auto it = std::find_if(answers.begin(), answers.end(),
                               [&](const forms::Answer& a) { return a.var == var; });
  return it == answers.end() ? nullptr : &*it;
}

std::string offered_text(const adhoc::Response& stage) {
  std::string out;
  const auto offered = stage.offered();
  for (std::size_t i = 0; i < offered.size(); ++i) {
    if (i > 0) out += i + 1 == offered.size() ? " or " : ", ";
    out += adhoc::to_string(offered[i]);
  }
  return out;
}

class CmdRun {
 public:
  CmdRun(Context& ctx, stream::Session& session, Jid jid, const CmdArgs& args)
      : m_ctx(ctx), m_session(session), m_jid(std::move(jid)), m_args(args) {}

  awaitable<Outcome> list() {
    auto got = co_await adhoc::list(m_session, m_jid, request_timeout(m_ctx));
    if (!got) co_return Outcome::failure(got.error());
    if (got->spoofed > 0)
      m_ctx.warn(fmt::format("ignored {} command(s) {} listed for other entities (XEP-0050 §5)",
                             got->spoofed, m_jid.str()));
    auto report = std::make_unique<CmdListReport>();
    report->list = std::move(*got);
    co_return Outcome::success(std::move(report));
  }

  awaitable<Outcome> show() {
    // A first Ctrl-C lets the request finish so the session it opened is cancelled too.
    const InterruptGuard guard(m_ctx);
    auto first = co_await adhoc::execute(m_session, m_jid, m_args.node, request_timeout(m_ctx));
    if (!first) co_return Outcome::failure(first.error());
    // CLI.md: show leaves nothing open on the responder.
    co_await close(*first);
    if (m_ctx.interrupted()) co_return Outcome::failure(interrupted());
    auto report = std::make_unique<CmdShowReport>();
    report->jid = m_jid.str();
    report->node = m_args.node;
    report->stage = std::move(*first);
    auto failed = error_from_notes(report->stage, m_args.node);
    if (failed) co_return Outcome::failure(std::move(*failed), std::move(report));
    co_return Outcome::success(std::move(report));
  }

  awaitable<Outcome> run(std::vector<forms::Assignment> assignments, AnswersFile file,
                         std::optional<adhoc::Action> chosen) {
    const InterruptGuard guard(m_ctx);

    m_report = std::make_unique<CmdRunReport>();
    m_report->jid = m_jid.str();
    m_report->node = m_args.node;
    const auto given = forms::collect(assignments);
    std::set<std::string, std::less<>> used;

    auto stage = co_await adhoc::execute(m_session, m_jid, m_args.node, request_timeout(m_ctx));
    if (!stage) co_return Outcome::failure(stage.error());
    std::size_t index = 0;
    bool first = true;
    for (;;) {
      record(*stage);
      if (stage->finished()) break;
      if (m_ctx.interrupted()) co_return co_await abandon(*stage, interrupted());

      // The action: --action where the stage offers it (the first stage must), else the default.
      auto action = adhoc::Action::execute;
      if (chosen && (first || stage->allows(*chosen))) action = *chosen;
      if (!stage->allows(action))
        co_return co_await abandon(
            *stage, usage_error(fmt::format("command {} offers {} at this stage, not {}", m_args.node,
                                      offered_text(*stage), adhoc::to_string(action))));
      const auto concrete = stage->resolve(action);
      first = false;

      std::optional<forms::Form> submit;
      if (stage->form && stage->form->type == forms::FormType::form &&
          concrete != adhoc::Action::cancel && concrete != adhoc::Action::prev) {
        const auto& form = *stage->form;
        if (auto ok = check_no_private_on_argv(form, assignments); !ok)
          co_return co_await abandon(*stage, ok.error());
        // This stage's answers: the file's (flat or this stage's), overlaid with --field for the
        // vars this form has; vars no stage had are an error at the last stage.
        const bool last = concrete == adhoc::Action::complete;
        forms::Answers answers;
        for (const auto& a : forms::overlay(file.for_stage(index), given)) {
          const bool here = form.field(a.var) != nullptr;
          const bool strict = file.per_stage && find_answer(file.for_stage(index), a.var) &&
                              !find_answer(given, a.var);
          if (here) used.insert(a.var);
          if (here || strict || (last && used.count(a.var) == 0)) answers.push_back(a);
        }
        add_env_secrets(form, answers);
        if (auto asked = ask(form, answers); !asked)
          co_return co_await abandon(*stage, asked.error());
        auto filled = forms::fill(form, answers, {forms::Carry::all, true});
        if (!filled) co_return co_await abandon(*stage, forms::to_error(filled.error()));
        submit = std::move(*filled);
      }
      if (m_ctx.interrupted()) co_return co_await abandon(*stage, interrupted());
      auto next = co_await adhoc::proceed(m_session, *stage, action, std::move(submit),
                                          request_timeout(m_ctx));
      if (!next) co_return co_await abandon(*stage, next.error());
      if (concrete == adhoc::Action::prev && index > 0)
        --index;
      else if (concrete != adhoc::Action::prev)
        ++index;
      stage = std::move(next);
    }
    if (m_ctx.interrupted()) co_return Outcome::failure(interrupted(), std::move(m_report));
    if (auto failed = error_from_notes(*stage, m_args.node))
      co_return Outcome::failure(std::move(*failed), std::move(m_report));
    if (stage->status == adhoc::Status::canceled && chosen != adhoc::Action::cancel)
      co_return Outcome::failure(
          make_error(ErrorKind::remote, "command_canceled", "",
                     fmt::format("command {} at {} was canceled by the responder", m_args.node,
                                 m_jid.str())),
          std::move(m_report));
    co_return Outcome::success(std::move(m_report));
  }

 private:
  static Error interrupted() {
    return make_error(ErrorKind::interrupted, "interrupted", "", "interrupted");
  }

  void record(const adhoc::Response& stage) {
    if (stage.sessionid) m_report->sessionid = stage.sessionid;
    m_report->stages.push_back(stage);
  }

  /// Cancels what `stage` left open and ends with `error` (the report so far is printed).
  awaitable<Outcome> abandon(adhoc::Response stage, Error error) {
    m_report->canceled = co_await close(std::move(stage));
    co_return Outcome::failure(std::move(error), std::move(m_report));
  }

  /// Cancels the session `stage` left open; true when the responder confirmed.
  awaitable<bool> close(adhoc::Response stage) {
    if (!stage.open()) co_return false;
    const auto left = std::max(m_ctx.remaining() - milliseconds(100), k_min_cancel);
    auto closed = co_await adhoc::close(m_session, std::move(stage), left);
    if (!closed) m_ctx.warn("could not cancel the command session: " + closed.error().message);
    co_return closed.has_value();
  }

  /// text-private fields nobody answered: XMPP_FIELD_<VAR> from the environment.
  static void add_env_secrets(const forms::Form& form, forms::Answers& answers) {
    for (const auto& var : form.private_vars()) {
      if (find_answer(answers, var)) continue;
      if (const char* value = std::getenv(field_env_name(var).c_str()))
        answers.push_back(forms::Answer{var, {value}});
    }
  }

  /// --interactive: every input field; on a terminal (stdin and stderr): the required fields
  /// still without a value. Nothing is asked otherwise.
  Result<void> ask(const forms::Form& form, forms::Answers& answers) {
    const bool on_tty = ::isatty(STDIN_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1;
    std::vector<const forms::Field*> todo;
    for (const auto& f : form.fields) {
      if (!f.is_input() || form.field(f.var) != &f) continue;
      const auto* a = find_answer(answers, f.var);
      const bool empty = a == nullptr ? f.values.empty()
                                      : std::all_of(a->values.begin(), a->values.end(),
                                                    [](const std::string& v) { return v.empty(); });
      if (m_args.interactive ? a == nullptr : (on_tty && f.required && empty)) todo.push_back(&f);
    }
    if (todo.empty()) return {};
    auto line = tty_ask_line();
    if (!line) {
      if (m_args.interactive)
        return fail(usage_error("--interactive needs a terminal (/dev/tty) to ask on"));
      return {};
    }
    // A person answering is not a stalled server: the default deadline goes (an explicit
    // --timeout stays), each request keeps its own.
    m_ctx.drop_default_deadline();
    std::ofstream tty("/dev/tty");
    if (form.title) tty << escape_terminal(forms::display_text(*form.title)) << '\n';
    for (const auto& i : form.instructions)
      tty << escape_terminal(forms::display_text(i)) << '\n';
    for (const auto* f : todo) {
      const auto* a = find_answer(answers, f->var);
      auto got = ask_field(*f, a ? std::optional(a->values) : std::nullopt, tty, *line);
      if (!got) return fail(got.error());
      if (!*got) continue;
      answers = forms::overlay(std::move(answers),
                               forms::Answers{forms::Answer{f->var, std::move(**got)}});
    }
    return {};
  }

  Context& m_ctx;
  stream::Session& m_session;
  Jid m_jid;
  const CmdArgs& m_args;
  std::unique_ptr<CmdRunReport> m_report;
};

awaitable<Outcome> run_cmd(Context& ctx, CmdArgs args) {
  auto jid = Jid::parse(args.jid);
  if (!jid) co_return Outcome::failure(jid.error());
  std::vector<forms::Assignment> assignments;
  AnswersFile file;
  std::optional<adhoc::Action> chosen;
  if (args.action == "run") {
    // Files are read before anything is sent: a bad one costs no login (exit 64, 65 or 66).
    auto read = read_assignments(args.fields);
    if (!read) co_return Outcome::failure(read.error());
    assignments = std::move(*read);
    if (args.answers) {
      auto answers = read_answers_file(*args.answers);
      if (!answers) co_return Outcome::failure(answers.error());
      file = std::move(*answers);
    }
    if (args.step) chosen = adhoc::parse_action(*args.step);
  }
  auto opened = co_await ctx.session();
  if (!opened) co_return Outcome::failure(opened.error());
  CmdRun cmd(ctx, **opened, *jid, args);
  if (args.action == "list") co_return co_await cmd.list();
  if (args.action == "show") co_return co_await cmd.show();
  co_return co_await cmd.run(std::move(assignments), std::move(file), chosen);
}

}  // namespace

Runner setup_cmd(CLI::App& command) {
  auto args = std::make_shared<CmdArgs>();
  command.require_subcommand(1, 1);
  const auto footer = [](CLI::App* sub) {
    sub->footer("The global options (see xmpp --help) may stand before or after the command.\n"
                "More: man xmpp-cmd");
  };
  auto* list = command.add_subcommand("list", "the commands an entity offers");
  list->add_option("JID", args->jid, "the entity (a server, a component, a bot)")
      ->required()
      ->check(jid_validator());

  auto* show = command.add_subcommand(
      "show", "the first stage's form, as a template for --field and --answers");
  auto* run = command.add_subcommand("run", "run a command, filling in every stage's form");
  for (auto* sub : {show, run}) {
    sub->add_option("JID", args->jid, "the entity offering the command")
        ->required()
        ->check(jid_validator());
    sub->add_option("NODE", args->node, "the command's node (see cmd list)")->required();
  }
  run->add_option("--field", args->fields,
                  "answer field VAR (repeatable; VAR=@FILE: the value from FILE)")
      ->type_name("VAR=VALUE");
  run->add_option("--answers", args->answers,
                  "answers from a JSON file (flat, per stage, or cmd show --json)")
      ->type_name("FILE.json");
  run->add_option("--action", args->step,
                  "the action at each stage that offers it (default: the command's)")
      ->type_name("ACTION")
      ->check(CLI::IsMember({"execute", "next", "prev", "complete", "cancel"}));
  run->add_flag("--interactive", args->interactive, "ask for every field on the terminal");
  for (auto* sub : {list, show, run}) {
    footer(sub);
    // The app is gone when the runner runs: the subcommand is recorded while parsing.
    sub->parse_complete_callback([args, name = sub->get_name()] { args->action = name; });
  }
  return [args](Context& ctx) { return run_cmd(ctx, *args); };
}

}  // namespace xmpp::cli
