// `xmpp cmd list|show|run` (cli/cmd_cmd.cpp, cli/cmd_report.hpp) end to end against a scripted
// XEP-0050 responder built from the spec's numbered examples (§2.2 list, §2.4.2 the three-stage
// "config" command, §2.4.3 cancel): exit codes, JSON, what is sent, and that every session we
// open is closed. Also the type-aware prompt (ask_field) with scripted answers.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <csignal>
#include <unistd.h>

#include <functional>
#include <sstream>
#include <variant>

#include "app.hpp"
#include "cli_support.hpp"
#include "cmd_report.hpp"
#include "form_report.hpp"
#include "xep/adhoc/adhoc.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"
#include "xep_forms_support.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::string_view k_responder = "responder@domain";

/// The "config" command of XEP-0050 §2.4.2 (examples 11, 13, 15, 17, 19) and the list of
/// example 4; `first` replaces the first stage's answer when set.
struct Responder {
  std::optional<xml::Element> first;
  std::optional<xml::Element> last;  ///< replaces example 15
  std::vector<adhoc::Request> seen;
  std::function<void()> on_execute;  ///< runs when a session is started (e.g. to raise a signal)

  std::optional<xml::Element> operator()(const xml::Element& iq) {
    if (iq.child("query", "http://jabber.org/protocol/disco#items") != nullptr)
      return reply(iq, test::example("xep0050-ex4-list-result.xml"));
    auto request = adhoc::parse_request(iq);
    REQUIRE(request.has_value());
    seen.push_back(*request);
    if (request->action == adhoc::Action::cancel)
      return reply(iq, test::example("xep0050-ex19-canceled.xml"));
    if (!request->sessionid) {
      if (on_execute) on_execute();
      return reply(iq, first ? *first : test::example("xep0050-ex11-stage1-form.xml"));
    }
    if (request->action == adhoc::Action::next)
      return reply(iq, test::example("xep0050-ex13-stage2-form.xml"));
    if (request->action == adhoc::Action::prev)
      return reply(iq, test::example("xep0050-ex17-revert-stage1-form.xml"));
    return reply(iq, last ? *last : test::example("xep0050-ex15-stage3-completed.xml"));
  }

  static xml::Element reply(const xml::Element& iq, xml::Element answer) {
    answer.set_attr("id", iq.attr("id").value_or(""));
    return answer;
  }

  std::vector<adhoc::Action> actions() const {
    std::vector<adhoc::Action> out;
    for (const auto& r : seen)
      out.push_back(r.action);
    return out;
  }
};

struct CmdHarness {
  CmdHarness() {
    // A terminal on stdin and stderr makes `cmd run` ask for missing fields: not in tests.
    if (::isatty(STDIN_FILENO) == 1) {
      const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      REQUIRE(null >= 0);
      ::dup2(null, STDIN_FILENO);
      ::close(null);
    }
  }
  std::ostringstream out, err;
  std::shared_ptr<Responder> responder = std::make_shared<Responder>();
  std::chrono::milliseconds reply_delay{0};  ///< how long every answer takes
  test::FakeSession::Log log;
  Io io{out, err,
        [](std::string_view) -> Result<std::optional<Secret>> { return std::optional<Secret>{}; },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          auto executor = co_await asio::this_coro::executor;
          auto s = std::make_unique<test::FakeSession>(executor, o.jid.with_resource("fake"));
          s->responder = [r = responder](const xml::Element& iq) { return (*r)(iq); };
          s->delay = reply_delay;
          s->log = &log;
          co_return std::unique_ptr<stream::Session>(std::move(s));
        },
        false};

  int run(std::vector<std::string> args) {
    Environment env;
    env.password = "pw";
    args.insert(args.begin(), {"-j", "requester@domain", "--timeout", "10"});
    return cli::run_main(args, env, io);
  }

  Json json() const { return Json::parse(out.str()); }
};

/// The values the request of stage `index` submitted for `var`.
std::vector<std::string> submitted(const CmdHarness& h, std::size_t index, const std::string& var) {
  REQUIRE(index < h.responder->seen.size());
  const auto& form = h.responder->seen[index].form;
  REQUIRE(form.has_value());
  const auto* f = form->field(var);
  REQUIRE_MESSAGE(f != nullptr, var);
  return f->values;
}

using A = adhoc::Action;

}  // namespace

// ---- list ------------------------------------------------------------------------------------

TEST_CASE("cmd list: XEP-0050 example 4 as JSON and for people") {
  CmdHarness h;
  CHECK(h.run({"--json", "cmd", "list", std::string(k_responder)}) == 0);
  const auto j = h.json();
  CHECK(j["jid"] == "responder@domain");
  REQUIRE(j["commands"].size() == 6);
  CHECK(j["commands"][0].dump() == R"({"node":"list","name":"List Service Configurations"})");
  CHECK(j["ignored"] == 0);

  CmdHarness people;
  CHECK(people.run({"cmd", "list", std::string(k_responder)}) == 0);
  CHECK(people.out.str().find("list     List Service Configurations\n"
                              "config   Configure Service\n") == 0);
}

TEST_CASE("cmd list report: no commands") {
  CmdListReport r;
  r.list.jid = test::jid("a.example");
  std::ostringstream out;
  r.print_human(out);
  CHECK(out.str() == "(no commands)\n");
}

// ---- show ------------------------------------------------------------------------------------

TEST_CASE("cmd show: the first stage as a template, and the session canceled") {
  CmdHarness h;
  CHECK(h.run({"--json", "cmd", "show", std::string(k_responder), "config"}) == 0);
  const auto j = h.json();
  CHECK(j["node"] == "config");
  CHECK(j["sessionid"] == "config:20020923T213616Z-700");
  CHECK(j["status"] == "executing");
  CHECK(j["actions"].dump() == R"({"execute":"next","allowed":["next","cancel"]})");
  CHECK(j["notes"] == Json::array());
  CHECK(j["form"]["title"] == "Configure Service");
  CHECK(j["answers"].dump() == R"({"service":null})");
  CHECK(h.responder->actions() == std::vector<A>{A::execute, A::cancel});
  CHECK(h.log.close_calls == 1);

  CmdHarness people;
  CHECK(people.run({"cmd", "show", std::string(k_responder), "config"}) == 0);
  const auto text = people.out.str();
  CHECK(text.find("service (list-single)\n  label: Service\n") != std::string::npos);
  CHECK(text.find("actions: next, cancel (execute: next)\nstatus: executing\n") !=
        std::string::npos);
}

TEST_CASE("cmd show: Ctrl-C during the request still cancels the session it opened, exit 130") {
  CmdHarness h;
  // The signal arrives while the execute request is pending; its answer, which opens a session,
  // comes after it.
  h.reply_delay = std::chrono::milliseconds(200);
  h.responder->on_execute = [] { std::raise(SIGINT); };
  CHECK(h.run({"cmd", "show", std::string(k_responder), "config"}) == 130);
  CHECK(h.responder->actions() == std::vector<A>{A::execute, A::cancel});
}

TEST_CASE("cmd show --json then run --answers with the dumped template") {
  CmdHarness show;
  CHECK(show.run({"--json", "cmd", "show", std::string(k_responder), "config"}) == 0);
  auto doc = show.json();
  doc["answers"]["service"] = "httpd";
  test::TempDir dir;
  const auto path = dir.write("answers.json", doc.dump());

  CmdHarness h;
  CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--answers", path}) == 0);
  CHECK(h.responder->actions() == std::vector<A>{A::execute, A::next, A::complete});
  CHECK(submitted(h, 1, "service") == std::vector<std::string>{"httpd"});
  // Stage 2 is answered with its own values (Carry::all).
  CHECK(submitted(h, 2, "runlevel") == std::vector<std::string>{"3", "5"});
  CHECK(h.out.str() == "info: Service 'httpd' has been configured.\nstatus: completed\n");
}

// ---- run -------------------------------------------------------------------------------------

TEST_CASE("cmd run: three stages with --field, the JSON of every stage") {
  CmdHarness h;
  CHECK(
      h.run({"--json", "cmd", "run", std::string(k_responder), "config", "--field", "service=httpd",
             "--field", "runlevel=5", "--field", "runlevel=1", "--field", "state=on"}) == 0);
  CHECK(h.responder->actions() == std::vector<A>{A::execute, A::next, A::complete});
  CHECK(h.responder->seen[1].sessionid == "config:20020923T213616Z-700");
  CHECK(submitted(h, 1, "service") == std::vector<std::string>{"httpd"});
  // list-multi values in the order of the options (XEP-0004 §3.3).
  CHECK(submitted(h, 2, "runlevel") == std::vector<std::string>{"1", "5"});
  CHECK(submitted(h, 2, "state") == std::vector<std::string>{"on"});
  const auto j = h.json();
  CHECK(j["status"] == "completed");
  CHECK(j["sessionid"] == "config:20020923T213616Z-700");
  REQUIRE(j["stages"].size() == 3);
  CHECK(j["stages"][0]["actions"]["allowed"] == Json::array({"next", "cancel"}));
  CHECK(j["stages"][1]["form"]["fields"][0]["var"] == "runlevel");
  CHECK(j["stages"][2].dump() ==
        R"({"status":"completed","actions":{"execute":null,"allowed":[]},)"
        R"("notes":[{"type":"info","text":"Service 'httpd' has been configured."}],"form":null})");
  CHECK(h.log.close_calls == 1);
}

TEST_CASE("cmd run: --answers per stage is equivalent to --field") {
  test::TempDir dir;
  const auto path = dir.write(
      "a.json", R"({"stages":[{"service":"httpd"},{"runlevel":["5","1"],"state":"on"}]})");
  CmdHarness h;
  CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--answers", path}) == 0);
  CHECK(submitted(h, 1, "service") == std::vector<std::string>{"httpd"});
  CHECK(submitted(h, 2, "runlevel") == std::vector<std::string>{"1", "5"});
  CHECK(submitted(h, 2, "state") == std::vector<std::string>{"on"});
}

TEST_CASE("cmd run: --field overrides the answers file") {
  test::TempDir dir;
  const auto path = dir.write("a.json", R"({"service":"jabberd","state":"off"})");
  CmdHarness h;
  CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--answers", path, "--field",
               "state=on"}) == 0);
  CHECK(submitted(h, 1, "service") == std::vector<std::string>{"jabberd"});
  CHECK(submitted(h, 2, "state") == std::vector<std::string>{"on"});
}

TEST_CASE("cmd run: a missing required field is exit 65 naming it, and the session canceled") {
  CmdHarness h;
  h.responder->first = test::parse_stanza(
      "<iq type='result' from='responder@domain' id='x'><command "
      "xmlns='http://jabber.org/protocol/commands' node='config' sessionid='s1' "
      "status='executing'><x xmlns='jabber:x:data' type='form'><field var='service' "
      "type='list-single' label='Service'><required/><option><value>httpd</value></option>"
      "<option label='Jabber'><value>jabberd</value></option></field></x></command></iq>");
  CHECK(h.run({"--json", "cmd", "run", std::string(k_responder), "config"}) == 65);
  CHECK(h.responder->actions() == std::vector<A>{A::execute, A::cancel});
  const auto err = h.err.str();
  CHECK(err.find("'service' (list-single, \"Service\")") != std::string::npos);
  CHECK(err.find("httpd, jabberd (Jabber)") != std::string::npos);
  CHECK(err.find("\"code\":\"missing_field\"") != std::string::npos);
  // The stage received is still reported.
  CHECK(h.json()["stages"].size() == 1);
}

TEST_CASE("cmd run: a bad value is exit 65 and cancels") {
  CmdHarness h;
  CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--field", "service=nginx"}) ==
        65);
  CHECK(h.responder->actions() == std::vector<A>{A::execute, A::cancel});
  CHECK(h.err.str().find("'nginx' is not an option") != std::string::npos);
}

TEST_CASE("cmd run: a --field no stage has is an error at the last stage") {
  CmdHarness h;
  CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--field", "service=httpd",
               "--field", "colour=red"}) == 65);
  CHECK(h.responder->actions() == std::vector<A>{A::execute, A::next, A::cancel});
  CHECK(h.err.str().find("no field 'colour'") != std::string::npos);
}

TEST_CASE("cmd run: text-private values never from argv (64, canceled); from a file or env") {
  const auto stage = test::parse_stanza(
      "<iq type='result' from='responder@domain' id='x'><command "
      "xmlns='http://jabber.org/protocol/commands' node='config' "
      "sessionid='config:20020923T213616Z-700' status='executing'><x xmlns='jabber:x:data' "
      "type='form'><field var='pass-word' "
      "type='text-private'/></x></command></iq>");
  {
    CmdHarness h;
    h.responder->first = stage;
    CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--field", "pass-word=s3"}) ==
          64);
    CHECK(h.responder->actions() == std::vector<A>{A::execute, A::cancel});
    CHECK(h.err.str().find("pass-word=@FILE") != std::string::npos);
  }
  {
    test::TempDir dir;
    const auto path = dir.write("pw", "s3cret\n");
    CmdHarness h;
    h.responder->first = stage;
    CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--field",
                 "pass-word=@" + path}) == 0);
    CHECK(submitted(h, 1, "pass-word") == std::vector<std::string>{"s3cret"});
  }
  {
    CHECK(field_env_name("pass-word") == "XMPP_FIELD_PASS_WORD");
    ::setenv("XMPP_FIELD_PASS_WORD", "from-env", 1);
    CmdHarness h;
    h.responder->first = stage;
    CHECK(h.run({"cmd", "run", std::string(k_responder), "config"}) == 0);
    ::unsetenv("XMPP_FIELD_PASS_WORD");
    CHECK(submitted(h, 1, "pass-word") == std::vector<std::string>{"from-env"});
  }
}

TEST_CASE("cmd run --action") {
  SUBCASE("cancel at the first stage: exit 0, status canceled") {
    CmdHarness h;
    CHECK(h.run({"--json", "cmd", "run", std::string(k_responder), "config", "--action",
                 "cancel"}) == 0);
    CHECK(h.responder->actions() == std::vector<A>{A::execute, A::cancel});
    CHECK(h.json()["status"] == "canceled");
  }
  SUBCASE("an action the first stage does not offer: 64 listing the offered ones, canceled") {
    CmdHarness h;
    CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--action", "complete",
                 "--field", "service=httpd"}) == 64);
    CHECK(h.err.str().find("offers next or cancel at this stage, not complete") !=
          std::string::npos);
    CHECK(h.responder->actions() == std::vector<A>{A::execute, A::cancel});
  }
  SUBCASE("next where offered, the default where not") {
    CmdHarness h;
    CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--action", "next", "--field",
                 "service=httpd"}) == 0);
    CHECK(h.responder->actions() == std::vector<A>{A::execute, A::next, A::complete});
  }
  SUBCASE("not an action: usage") {
    CmdHarness h;
    CHECK(h.run({"cmd", "run", std::string(k_responder), "config", "--action", "jump"}) == 64);
  }
}

TEST_CASE("cmd run: error notes are exit 1, the result table is printed") {
  CmdHarness failing;
  failing.responder->last = test::parse_stanza(
      "<iq type='result' from='responder@domain' id='x'><command "
      "xmlns='http://jabber.org/protocol/commands' node='config' sessionid='config:20020923T2136"
      "16Z-700' status='completed'><note type='error'>httpd refused</note></command></iq>");
  CHECK(failing.run(
            {"cmd", "run", std::string(k_responder), "config", "--field", "service=httpd"}) == 1);
  CHECK(failing.out.str() == "error: httpd refused\nstatus: completed\n");
  CHECK(failing.err.str().find("httpd refused") != std::string::npos);

  CmdHarness table;
  table.responder->first = test::example("xep0050-ex9-execute-result-table.xml");
  CHECK(table.run({"cmd", "run", std::string(k_responder), "list"}) == 0);
  CHECK(table.out.str().find("Service     Single-User mode") != std::string::npos);
  CHECK(table.out.str().find("status: completed\n") != std::string::npos);
  CHECK(table.responder->actions() == std::vector<A>{A::execute});
}

TEST_CASE("cmd run: files are read before logging in") {
  test::TempDir dir;
  CmdHarness missing;
  CHECK(missing.run({"cmd", "run", std::string(k_responder), "config", "--answers",
                     dir.file("absent.json")}) == 66);
  CHECK(missing.responder->seen.empty());
  CmdHarness bad;
  const auto path = dir.write("bad.json", "[]");
  CHECK(bad.run({"cmd", "run", std::string(k_responder), "config", "--answers", path}) == 65);
  CHECK(bad.responder->seen.empty());
}

// ---- reports ---------------------------------------------------------------------------------

TEST_CASE("actions_json and error_from_notes") {
  auto stage = adhoc::parse_response(test::example("xep0050-ex13-stage2-form.xml"));
  REQUIRE(stage.has_value());
  CHECK(actions_json(*stage).dump() ==
        R"({"execute":"complete","allowed":["prev","complete","cancel"]})");
  CHECK_FALSE(error_from_notes(*stage, "config").has_value());
  stage->notes.push_back(adhoc::Note{adhoc::NoteType::warn, "w"});
  stage->notes.push_back(adhoc::Note{adhoc::NoteType::error, "bad"});
  const auto e = error_from_notes(*stage, "config");
  REQUIRE(e.has_value());
  CHECK(e->kind == ErrorKind::remote);
  CHECK(e->message == "command config at responder@domain failed: bad");
}

TEST_CASE("notes are escaped for the terminal") {
  std::ostringstream out;
  print_notes(out, {adhoc::Note{adhoc::NoteType::warn, "a\x1b[2Jb\nc"}});
  CHECK(out.str() == "warn: a\\x1b[2Jb\\nc\n");
}

// ---- ask_field -------------------------------------------------------------------------------

namespace {

/// Answers prompts from a script; records the prompts and whether echo was off.
struct Script {
  explicit Script(std::vector<std::optional<std::string>> script) : lines(std::move(script)) {}
  std::vector<std::optional<std::string>> lines;
  std::vector<std::string> prompts;
  std::vector<bool> secret;
  AskLine ask() {
    return [this](const std::string& prompt, bool s) -> Result<std::optional<std::string>> {
      prompts.push_back(prompt);
      secret.push_back(s);
      REQUIRE_MESSAGE(!lines.empty(), "unexpected prompt " << prompt);
      auto line = lines.front();
      lines.erase(lines.begin());
      return line;
    };
  }
};

std::optional<std::vector<std::string>>
asked(const forms::Field& field, Script& script,
      std::optional<std::vector<std::string>> current = {}) {
  std::ostringstream out;
  auto got = ask_field(field, current, out, script.ask());
  REQUIRE_MESSAGE(got.has_value(), (got ? std::string() : got.error().message));
  CHECK(script.lines.empty());
  return *got;
}

forms::Field field_of(const std::string& xml) {
  auto form =
      test::parse_form(test::parse_stanza("<x xmlns='jabber:x:data' type='form'>" + xml + "</x>"));
  REQUIRE(form.fields.size() == 1);
  return form.fields.front();
}

}  // namespace

TEST_CASE("ask_field: boolean y/n, asked again when not understood") {
  const auto f = field_of("<field var='public' type='boolean'><required/></field>");
  Script s({"maybe", "y"});
  CHECK(asked(f, s) == std::vector<std::string>{"1"});
  CHECK(s.prompts == std::vector<std::string>{"public (y/n): ", "public (y/n): "});
  Script no({"false"});
  CHECK(asked(f, no) == std::vector<std::string>{"0"});
}

TEST_CASE("ask_field: list options by number or value; empty keeps the value") {
  const auto f = field_of("<field var='maxsubs' type='list-single'><value>20</value>"
                          "<option><value>10</value></option><option><value>20</value></option>"
                          "<option label='None'><value>none</value></option></field>");
  Script number({"3"});
  CHECK(asked(f, number) == std::vector<std::string>{"none"});
  CHECK(number.prompts.front() == "maxsubs (number or value) [20]: ");
  Script value({"10"});
  // "10" is not an option number (there are 3): the value itself.
  CHECK(asked(f, value) == std::vector<std::string>{"10"});
  Script keep({""});
  CHECK_FALSE(asked(f, keep).has_value());
  Script two({"1 2", "2"});
  CHECK(asked(f, two) == std::vector<std::string>{"20"});

  const auto multi = field_of("<field var='f' type='list-multi'><option><value>a</value></option>"
                              "<option><value>b</value></option><option><value>c</value></option>"
                              "</field>");
  Script several({"3, 1"});
  CHECK(asked(multi, several) == std::vector<std::string>{"c", "a"});
}

TEST_CASE("ask_field: text-multi until a single '.'; text-private without echo") {
  const auto f = field_of("<field var='body' type='text-multi'/>");
  Script lines({"one", "", "two", "."});
  CHECK(asked(f, lines) == std::vector<std::string>{"one", "", "two"});
  CHECK(lines.prompts == std::vector<std::string>{"body> ", "> ", "> ", "> "});

  const auto pw = field_of("<field var='password' type='text-private'><value>old</value></field>");
  Script secret({"s3cret"});
  CHECK(asked(pw, secret) == std::vector<std::string>{"s3cret"});
  CHECK(secret.secret == std::vector<bool>{true});
  // The current secret is not shown in the prompt.
  CHECK(secret.prompts.front() == "password: ");
}

TEST_CASE("ask_field: end of input keeps the value; interrupted is an error") {
  const auto f = field_of("<field var='name' type='text-single'/>");
  Script eof({std::nullopt});
  CHECK_FALSE(asked(f, eof).has_value());
  std::ostringstream out;
  const AskLine interrupted = [](const std::string&, bool) -> Result<std::optional<std::string>> {
    return fail(ErrorKind::interrupted, "interrupted", "", "interrupted at the prompt");
  };
  const auto got = ask_field(f, std::nullopt, out, interrupted);
  REQUIRE_FALSE(got.has_value());
  CHECK(got.error().kind == ErrorKind::interrupted);
}
