// Data forms on the command line (cli/form_report.hpp): form_json and answers_template against
// XEP-0004's numbered examples, the human rendering (fields, result tables, XEP-0141 layout,
// terminal escaping, secrets), VAR=@FILE assignments, secrets on argv, and --answers files.
#include <doctest/doctest.h>

#include <sstream>

#include "cli_support.hpp"
#include "form_report.hpp"
#include "xep/forms/answers.hpp"
#include "xep_forms_support.hpp"

namespace {

using namespace xmpp;
using Json = nlohmann::ordered_json;
using test::form_of;
using test::TempDir;

std::string human(const forms::Form& form) {
  std::ostringstream out;
  cli::print_form(out, form);
  return out.str();
}

forms::Form bot_form() {
  return form_of("xep0004-ex2-bot-creation-form.xml");
}

const Json* json_field(const Json& form, const std::string& var) {
  for (const auto& f : form["fields"])
    if (f["var"] == var) return &f;
  return nullptr;
}

std::vector<forms::Assignment> assignments(const std::vector<std::string>& arguments) {
  auto out = cli::read_assignments(arguments);
  REQUIRE_MESSAGE(out.has_value(), (out ? std::string() : out.error().message));
  return *out;
}

cli::AnswersFile answers_file(const TempDir& dir, const std::string& text) {
  auto out = cli::read_answers_file(dir.write("answers.json", text));
  REQUIRE_MESSAGE(out.has_value(), (out ? std::string() : out.error().message));
  return *out;
}

}  // namespace

// ---- form_json -----------------------------------------------------------------------------

TEST_CASE("form_json: XEP-0004 example 2, every key of every field") {
  const auto j = cli::form_json(bot_form());
  CHECK(j["type"] == "form");
  CHECK(j["title"] == "Bot Configuration");
  CHECK(j["instructions"] == Json::array({"Fill out this form to configure your new bot!"}));
  CHECK(j["table"].is_null());
  REQUIRE(j["fields"].size() == 12);

  const auto& hidden = j["fields"][0];
  CHECK(hidden.dump() ==
        R"({"var":"FORM_TYPE","type":"hidden","label":null,"desc":null,"required":false,)"
        R"("private":false,"values":["jabber:bot"],"options":[],"validate":null,"media":null})");

  const auto& fixed = j["fields"][1];
  CHECK(fixed["var"].is_null());
  CHECK(fixed["type"] == "fixed");
  CHECK(fixed["values"] == Json::array({"Section 1: Bot Info"}));

  const auto* pub = json_field(j, "public");
  REQUIRE(pub != nullptr);
  CHECK((*pub)["type"] == "boolean");
  CHECK((*pub)["required"] == true);
  CHECK((*pub)["label"] == "Public bot?");

  const auto* password = json_field(j, "password");
  REQUIRE(password != nullptr);
  CHECK((*password)["private"] == true);
  CHECK((*password)["values"] == Json::array());

  const auto* maxsubs = json_field(j, "maxsubs");
  REQUIRE(maxsubs != nullptr);
  CHECK((*maxsubs)["values"] == Json::array({"20"}));
  REQUIRE((*maxsubs)["options"].size() == 6);
  CHECK((*maxsubs)["options"][5].dump() == R"({"label":"None","value":"none"})");

  const auto* invite = json_field(j, "invitelist");
  REQUIRE(invite != nullptr);
  CHECK((*invite)["desc"] == "Tell all your friends about your new bot!");
  CHECK((*invite)["values"] == Json::array());
}

TEST_CASE("form_json: a text-private value the sender filled in is never output") {
  // XEP-0004 example 4: the result echoes the password.
  const auto form = form_of("xep0004-ex4-bot-creation-result.xml");
  REQUIRE(form.field("password")->values == std::vector<std::string>{"v3r0na"});
  const auto j = cli::form_json(form);
  CHECK(j["type"] == "result");
  CHECK(j.dump().find("v3r0na") == std::string::npos);
  CHECK((*json_field(j, "password"))["values"] == Json::array());
  CHECK(human(form).find("v3r0na") == std::string::npos);
}

TEST_CASE("form_json: XEP-0004 example 8, the reported/item table") {
  const auto j = cli::form_json(form_of("xep0004-ex8-search-results.xml"));
  CHECK(j["type"] == "result");
  CHECK(j["title"] == "Joogle Search: verona");
  CHECK(j["fields"] == Json::array());
  REQUIRE(j["table"].is_object());
  CHECK(j["table"]["columns"].dump() == R"([{"var":"name","label":null,"type":"text-single"},)"
                                        R"({"var":"url","label":null,"type":"text-single"}])");
  REQUIRE(j["table"]["rows"].size() == 5);
  CHECK(j["table"]["rows"][1].dump() ==
        R"({"name":["benvenuto!"],"url":["http://www.hellasverona.it/"]})");
}

TEST_CASE("form_json: text-private columns of a table are redacted") {
  const auto form = test::parse_form(test::parse_stanza(
      "<x xmlns='jabber:x:data' type='result'><reported><field var='user'/>"
      "<field var='pw' type='text-private'/></reported>"
      "<item><field var='user'><value>a</value></field><field var='pw'><value>s3cret</value>"
      "</field></item></x>"));
  const auto j = cli::form_json(form);
  CHECK(j["table"]["rows"][0].dump() == R"({"user":["a"],"pw":[]})");
  const auto text = human(form);
  CHECK(text.find("s3cret") == std::string::npos);
  CHECK(text.find("(not shown)") != std::string::npos);
}

TEST_CASE("form_json: XEP-0122 validation and XEP-0221 media") {
  const auto form = test::parse_form(test::parse_stanza(
      "<x xmlns='jabber:x:data' type='form'>"
      "<field var='n' type='text-single'>"
      "<validate xmlns='http://jabber.org/protocol/xdata-validate' datatype='xs:integer'>"
      "<range min='1' max='9'/></validate></field>"
      "<field var='l' type='list-multi'>"
      "<validate xmlns='http://jabber.org/protocol/xdata-validate'><open/>"
      "<list-range min='1'/></validate><option><value>a</value></option></field>"
      "<field var='ocr' type='text-single'><media xmlns='urn:xmpp:media-element' width='120'>"
      "<uri type='image/png'>cid:x@bob.xmpp.org</uri></media></field></x>"));
  const auto j = cli::form_json(form);
  CHECK(j["fields"][0]["validate"].dump() ==
        R"({"datatype":"xs:integer","method":"range","min":"1","max":"9","regex":null,)"
        R"("list_range":null})");
  CHECK(j["fields"][1]["validate"].dump() ==
        R"({"datatype":"xs:string","method":"open","min":null,"max":null,"regex":null,)"
        R"("list_range":{"min":1,"max":null}})");
  CHECK(j["fields"][2]["media"].dump() ==
        R"({"height":null,"width":120,"uris":[{"type":"image/png","uri":"cid:x@bob.xmpp.org"}]})");
  const auto text = human(form);
  CHECK(text.find("  validate: xs:integer, from 1 to 9\n") != std::string::npos);
  CHECK(text.find("  validate: xs:string, other values allowed, 1 to any values\n") !=
        std::string::npos);
  CHECK(text.find("  media: image/png cid:x@bob.xmpp.org\n") != std::string::npos);
}

// ---- answers_template ----------------------------------------------------------------------

TEST_CASE("answers_template: XEP-0004 example 2") {
  const auto t = cli::answers_template(bot_form());
  CHECK(t.dump() == R"({"botname":null,"description":[],"public":null,"password":null,)"
                    R"("features":["news","search"],"maxsubs":"20","invitelist":[]})");
}

TEST_CASE("answers_template: a filled-in template read back submits the form's own values") {
  TempDir dir;
  auto t = cli::answers_template(bot_form());
  t["public"] = false;
  t["botname"] = "The Jabber Google Bot";
  const auto file = answers_file(dir, t.dump());
  CHECK_FALSE(file.per_stage);
  const auto submit = forms::fill(bot_form(), file.for_stage(0));
  REQUIRE(submit.has_value());
  CHECK(submit->field("public")->values == std::vector<std::string>{"0"});
  CHECK(submit->field("maxsubs")->values == std::vector<std::string>{"20"});
  CHECK(submit->field("features")->values == std::vector<std::string>{"news", "search"});
  CHECK(submit->field("botname")->values == std::vector<std::string>{"The Jabber Google Bot"});
  // null is no answer: the private field is simply not carried.
  CHECK(submit->field("password") == nullptr);
}

TEST_CASE("answers_template: the untouched template misses the required field (exit 65)") {
  TempDir dir;
  const auto file = answers_file(dir, cli::answers_template(bot_form()).dump());
  const auto submit = forms::fill(bot_form(), file.for_stage(0));
  REQUIRE_FALSE(submit.has_value());
  REQUIRE(submit.error().size() == 1);
  CHECK(submit.error()[0].kind == forms::ProblemKind::missing_required);
  CHECK(submit.error()[0].var == "public");
}

// ---- print_form ----------------------------------------------------------------------------

TEST_CASE("print_form: XEP-0004 example 2 for people") {
  CHECK(human(bot_form()) == "Bot Configuration\n"
                             "Fill out this form to configure your new bot!\n"
                             "\n"
                             "Section 1: Bot Info\n"
                             "botname (text-single)\n"
                             "  label: The name of your bot\n"
                             "description (text-multi)\n"
                             "  label: Helpful description of your bot\n"
                             "public (boolean) (required)\n"
                             "  label: Public bot?\n"
                             "password (text-private)\n"
                             "  label: Password for special access\n"
                             "Section 2: Features\n"
                             "features (list-multi)\n"
                             "  label: What features will the bot support?\n"
                             "  value: news\n"
                             "  value: search\n"
                             "  options:\n"
                             "    contests (Contests)\n"
                             "    news (News)\n"
                             "    polls (Polls)\n"
                             "    reminders (Reminders)\n"
                             "    search (Search)\n"
                             "Section 3: Subscriber List\n"
                             "maxsubs (list-single)\n"
                             "  label: Maximum number of subscribers\n"
                             "  value: 20\n"
                             "  options:\n"
                             "    10\n"
                             "    20\n"
                             "    30\n"
                             "    50\n"
                             "    100\n"
                             "    none (None)\n"
                             "Section 4: Invitations\n"
                             "invitelist (jid-multi)\n"
                             "  label: People to invite\n"
                             "  desc: Tell all your friends about your new bot!\n");
}

TEST_CASE("print_form: XEP-0004 example 8, the result table with aligned columns") {
  CHECK(human(form_of("xep0004-ex8-search-results.xml")) ==
        "Joogle Search: verona\n"
        "\n"
        "name                                             url\n"
        "Comune di Verona - Benvenuti nel sito ufficiale  http://www.comune.verona.it/\n"
        "benvenuto!                                       http://www.hellasverona.it/\n"
        "Universita degli Studi di Verona - Home Page     http://www.univr.it/\n"
        "Aeroporti del Garda                              http://www.aeroportoverona.it/\n"
        "Veronafiere - fiera di Verona                    http://www.veronafiere.it/\n");
}

TEST_CASE("print_form: result fields without types, labels as column headers, empty tables") {
  const auto form = test::parse_form(test::parse_stanza(
      "<x xmlns='jabber:x:data' type='result'><field var='n' label='Users'><value>3</value>"
      "</field><reported><field var='jid' label='JID'/><field var='r' label='Résumé'/>"
      "</reported></x>"));
  CHECK(human(form) == "n\n"
                       "  label: Users\n"
                       "  value: 3\n"
                       "JID  Résumé\n"
                       "(no items)\n");
}

TEST_CASE("print_form: multiple values in a cell, missing cells, UTF-8 widths") {
  const auto form = test::parse_form(test::parse_stanza(
      "<x xmlns='jabber:x:data' type='result'><reported><field var='a'/><field var='b'/>"
      "</reported><item><field var='a'><value>é</value><value>x</value></field></item>"
      "<item><field var='a'><value>long value</value></field><field var='b'><value>1</value>"
      "</field></item></x>"));
  CHECK(human(form) == "a           b\n"
                       "é, x\n"
                       "long value  1\n");
}

TEST_CASE("print_form: text from the network is escaped for the terminal") {
  // XML cannot carry C0 controls but the model can; C1 controls and bidi overrides come over XML.
  forms::Form form;
  form.title = "T\xc2\x9b[31m";
  forms::Field f;
  f.var = "v\x1b";
  f.type = forms::FieldType::text_single;
  f.label = "\u202Eevil";
  f.values = {"a\x07"};
  f.desc = "d\xc2\x9d";
  f.options = {forms::Option{"o\x1b", "x"}};
  form.fields.push_back(f);
  forms::Field fixed;
  fixed.type = forms::FieldType::fixed;
  fixed.values = {"f\x1b[2J"};
  form.fields.push_back(fixed);
  const auto text = human(form);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find("\xc2\x9b") == std::string::npos);
  CHECK(text.find("\xc2\x9d") == std::string::npos);
  CHECK(text.find("\xe2\x80\xae") == std::string::npos);
  CHECK(text.find("v\\x1b (text-single)\n") != std::string::npos);
  CHECK(text.find("  label: \\u202eevil\n") != std::string::npos);
  CHECK(text.find("  value: a\\x07\n") != std::string::npos);
  CHECK(text.find("    x (o\\x1b)\n") != std::string::npos);
  CHECK(text.find("f\\x1b[2J\n") != std::string::npos);
}

TEST_CASE("print_form: a multi-line value cannot forge lines") {
  const auto form = test::parse_form(
      test::parse_stanza("<x xmlns='jabber:x:data' type='form'><field var='v' type='text-single'>"
                         "<value>a&#10;other (required)</value></field></x>"));
  CHECK(human(form) == "v (text-single)\n  value: a\\nother (required)\n");
}

TEST_CASE("print_form: XEP-0141 sections: fields where referenced, text collapsed") {
  const auto form = test::parse_form(test::example("xep0141-ex3-sections.xml"));
  const auto text = human(form);
  const auto personal = text.find("-- Personal Information --\nNote: In accordance with the XSF "
                                  "privacy policy, your personal information will never be shared");
  const auto community = text.find("-- Community Activity --\n");
  const auto mailing = text.find("activity.mailing-lists (text-multi)\n");
  const auto plans = text.find("-- Plans and Reasoning --\n");
  const auto future = text.find("future (text-multi)\n");
  REQUIRE(personal != std::string::npos);
  REQUIRE(community != std::string::npos);
  REQUIRE(mailing != std::string::npos);
  REQUIRE(plans != std::string::npos);
  REQUIRE(future != std::string::npos);
  CHECK(personal < community);
  CHECK(community < mailing);
  CHECK(mailing < plans);
  CHECK(plans < future);
  // Each field shown once, though it comes after the pages in the document.
  const auto first = text.find("future (text-multi)");
  CHECK(text.find("future (text-multi)", first + 1) == std::string::npos);
}

TEST_CASE("print_form: XEP-0141 fields no page refers to are still shown, after the pages") {
  const auto form = test::parse_form(
      test::parse_stanza("<x xmlns='jabber:x:data' type='form'>"
                         "<page xmlns='http://jabber.org/protocol/xdata-layout' label='One'>"
                         "<fieldref var='b'/><fieldref var='b'/><fieldref var='missing'/></page>"
                         "<field var='a' type='boolean'/><field var='b' type='text-single'/></x>"));
  CHECK(human(form) == "== One ==\n"
                       "b (text-single)\n"
                       "\n"
                       "a (boolean)\n");
}

// ---- read_assignments ----------------------------------------------------------------------

TEST_CASE("read_assignments: VAR=VALUE, VAR=@@TEXT and VAR=@FILE") {
  TempDir dir;
  const auto one = dir.write("one", "from file\n");
  const auto crlf = dir.write("crlf", "line\r\n");
  const auto two = dir.write("two", "a\nb\n\n");
  const auto got = assignments({"x=1", "y=@@at", "z=@" + one, "w=@" + crlf, "m=@" + two, "e="});
  REQUIRE(got.size() == 6);
  CHECK(got[0] == forms::Assignment{"x", "1", false});
  CHECK(got[1] == forms::Assignment{"y", "@at", false});
  CHECK(got[2] == forms::Assignment{"z", "from file", true});
  CHECK(got[3] == forms::Assignment{"w", "line", true});
  // Only one trailing line break is dropped.
  CHECK(got[4] == forms::Assignment{"m", "a\nb\n", true});
  CHECK(got[5] == forms::Assignment{"e", "", false});
}

TEST_CASE("read_assignments: errors") {
  TempDir dir;
  SUBCASE("no '=' is a usage error") {
    const auto got = cli::read_assignments({"novalue"});
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().kind == ErrorKind::usage);
    CHECK(got.error().code == "bad_assignment");
  }
  SUBCASE("a missing file is no_input, naming the field and the file") {
    const auto path = dir.file("absent");
    const auto got = cli::read_assignments({"x=1", "pw=@" + path});
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().kind == ErrorKind::no_input);
    CHECK(got.error().message.find("pw: " + path) == 0);
  }
  SUBCASE("a directory is no_input") {
    const auto got = cli::read_assignments({"x=@" + dir.path()});
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().kind == ErrorKind::no_input);
  }
  SUBCASE("an unreadable file is no_input") {
    const auto path = dir.write("secret", "x", 0000);
    if (::access(path.c_str(), R_OK) == 0) return;  // root reads anything
    const auto got = cli::read_assignments({"x=@" + path});
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().kind == ErrorKind::no_input);
  }
}

// ---- check_no_private_on_argv --------------------------------------------------------------

TEST_CASE("check_no_private_on_argv") {
  TempDir dir;
  const auto form = bot_form();
  CHECK(cli::check_no_private_on_argv(form, assignments({"botname=b", "public=1"})).has_value());
  const auto file = dir.write("pw", "v3r0na\n");
  CHECK(cli::check_no_private_on_argv(form, assignments({"password=@" + file})).has_value());

  const auto bad =
      cli::check_no_private_on_argv(form, assignments({"botname=b", "password=v3r0na"}));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::usage);
  CHECK(bad.error().code == "secret_on_command_line");
  CHECK(bad.error().message.find("'password'") != std::string::npos);
  CHECK(bad.error().message.find("password=@FILE") != std::string::npos);
  CHECK(bad.error().message.find("v3r0na") == std::string::npos);

  // VAR=@@TEXT is a literal on the command line, not a file.
  CHECK_FALSE(cli::check_no_private_on_argv(form, assignments({"password=@@x"})).has_value());
  // A field that is not in this form is left to forms::fill.
  CHECK(cli::check_no_private_on_argv(form, assignments({"other=x"})).has_value());
}

// ---- read_answers_file ---------------------------------------------------------------------

TEST_CASE("read_answers_file: flat answers of every JSON shape") {
  TempDir dir;
  const auto file = answers_file(
      dir, R"({"s":"text","l":["a","b"],"t":true,"f":false,"i":42,"d":1.5,"n":null,"e":[],)"
           R"("mixed":[1,"x",false]})");
  CHECK_FALSE(file.per_stage);
  const forms::Answers expected{
      {"s", {"text"}}, {"l", {"a", "b"}}, {"t", {"true"}}, {"f", {"false"}},
      {"i", {"42"}},   {"d", {"1.5"}},    {"e", {}},       {"mixed", {"1", "x", "false"}}};
  CHECK(file.for_stage(0) == expected);
  // Flat answers serve every stage.
  CHECK(file.for_stage(3) == expected);
}

TEST_CASE("read_answers_file: per-stage answers") {
  TempDir dir;
  const auto file = answers_file(dir, R"({"stages":[{"a":"1"},{},{"b":["x"]}]})");
  CHECK(file.per_stage);
  CHECK(file.for_stage(0) == forms::Answers{{"a", {"1"}}});
  CHECK(file.for_stage(1).empty());
  CHECK(file.for_stage(2) == forms::Answers{{"b", {"x"}}});
  CHECK(file.for_stage(3).empty());
}

TEST_CASE("read_answers_file: a field named \"stages\" in a flat file") {
  TempDir dir;
  const auto file = answers_file(dir, R"({"stages":["one","two"],"x":"1"})");
  CHECK_FALSE(file.per_stage);
  CHECK(file.for_stage(0) == forms::Answers{{"stages", {"one", "two"}}, {"x", {"1"}}});
}

TEST_CASE("read_answers_file: a `cmd show --json` document takes its \"answers\"") {
  TempDir dir;
  const auto form = bot_form();
  Json show{{"jid", "joogle@botster.shakespeare.lit"},
            {"node", "create"},
            {"sessionid", "create:20040408T0128Z"},
            {"status", "executing"},
            {"actions", {{"execute", nullptr}, {"allowed", Json::array({"complete"})}}},
            {"notes", Json::array()},
            {"form", cli::form_json(form)},
            {"answers", cli::answers_template(form)}};
  show["answers"]["public"] = "1";
  const auto file = answers_file(dir, show.dump());
  CHECK_FALSE(file.per_stage);
  const auto submit = forms::fill(form, file.for_stage(0));
  REQUIRE(submit.has_value());
  CHECK(submit->field("public")->values == std::vector<std::string>{"1"});

  SUBCASE("a stage without a form has null answers: nothing to answer") {
    show["form"] = nullptr;
    show["answers"] = nullptr;
    const auto empty = answers_file(dir, show.dump());
    CHECK_FALSE(empty.per_stage);
    CHECK(empty.for_stage(0).empty());
  }
}

TEST_CASE("read_answers_file: errors") {
  TempDir dir;
  const auto error_of = [&](const std::string& text) {
    const auto path = dir.write("bad.json", text);
    const auto got = cli::read_answers_file(path);
    REQUIRE_FALSE(got.has_value());
    return got.error();
  };
  SUBCASE("missing file: no_input") {
    const auto got = cli::read_answers_file(dir.file("absent.json"));
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().kind == ErrorKind::no_input);
  }
  SUBCASE("not JSON") {
    const auto e = error_of("{\"a\":");
    CHECK(e.kind == ErrorKind::data);
    CHECK(e.code == "bad_answers_file");
  }
  SUBCASE("not an object") {
    CHECK(error_of("[1,2]").code == "bad_answers_file");
  }
  SUBCASE("an object as a value") {
    const auto e = error_of(R"({"a":{"b":1}})");
    CHECK(e.code == "bad_answers_file");
    CHECK(e.message.find("\"a\"") != std::string::npos);
  }
  SUBCASE("a nested list") {
    CHECK(error_of(R"({"a":[["b"]]})").code == "bad_answers_file");
  }
  SUBCASE("null inside a list") {
    CHECK(error_of(R"({"a":[null]})").code == "bad_answers_file");
  }
  SUBCASE("a bad stage names its number") {
    const auto e = error_of(R"({"stages":[{"a":"1"},{"b":{}}]})");
    CHECK(e.code == "bad_answers_file");
    CHECK(e.message.find("stage 2") != std::string::npos);
  }
  SUBCASE("invalid UTF-8") {
    CHECK(error_of("{\"a\":\"\xff\"}").kind == ErrorKind::data);
  }
}
