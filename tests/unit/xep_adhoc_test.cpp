// XEP-0050 Ad-Hoc Commands codecs against the spec's numbered examples (tests/fixtures/
// xep0050-exN-*.xml): the command list (§2.2) with spoofed items dropped (§5, SECURITY.md row
// 39), requests (§2.4, §3.7), responses with actions, notes and forms (§4.1-§4.3), the
// <actions/> rules of §3.4, the §4.4 errors; then the operations over a scripted session, each
// under a deadline.
#include <doctest/doctest.h>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "xep/adhoc/adhoc.hpp"
#include "xep/adhoc/adhoc_ops.hpp"
#include "xep/disco/disco.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using namespace std::chrono;
using test::canonical;
using test::example;
using test::jid;

namespace {

const Jid k_responder = Jid::parse("responder@domain").value();

/// The example with its 'from' removed: our builders leave it to the server.
xml::Element without_from(xml::Element e) {
  e.remove_attr("from");
  return e;
}

adhoc::Response response_of(const std::string& fixture) {
  auto r = adhoc::parse_response(example(fixture));
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

adhoc::Request request_for(std::string node, std::optional<std::string> sessionid = std::nullopt,
                           adhoc::Action action = adhoc::Action::execute) {
  adhoc::Request r;
  r.node = std::move(node);
  r.sessionid = std::move(sessionid);
  r.action = action;
  return r;
}

forms::Form service_httpd() {
  forms::Form submit;
  submit.type = forms::FormType::submit;
  forms::Field field;
  field.var = "service";
  field.values = {"httpd"};
  submit.fields.push_back(field);
  return submit;
}

xml::Element result_iq(const xml::Element& request, const adhoc::Response& response) {
  auto iq = stanza::make_result(request, adhoc::to_element(response));
  iq.set_attr("from", request.attr("to").value_or(""));
  return iq;
}

}  // namespace

// ---- enumerations ----------------------------------------------------------------------------

TEST_CASE("adhoc: action, status and note type names round-trip (§4.1, §4.3)") {
  for (auto a : {adhoc::Action::execute, adhoc::Action::cancel, adhoc::Action::prev,
                 adhoc::Action::next, adhoc::Action::complete})
    CHECK(adhoc::parse_action(adhoc::to_string(a)) == a);
  for (auto s : {adhoc::Status::executing, adhoc::Status::completed, adhoc::Status::canceled})
    CHECK(adhoc::parse_status(adhoc::to_string(s)) == s);
  for (auto t : {adhoc::NoteType::info, adhoc::NoteType::warn, adhoc::NoteType::error})
    CHECK(adhoc::parse_note_type(adhoc::to_string(t)) == t);
  CHECK(adhoc::to_string(adhoc::Action::complete) == "complete");
  CHECK_FALSE(adhoc::parse_action("finish"));
  CHECK_FALSE(adhoc::parse_status("cancelled"));  // §4.1 spells it "canceled"
  CHECK_FALSE(adhoc::parse_note_type("warning"));
}

// ---- the command list ------------------------------------------------------------------------

TEST_CASE("adhoc: the list request is example 3") {
  const auto ex = example("xep0050-ex3-list-request.xml");
  CHECK(canonical(adhoc::make_list_request(k_responder)) == canonical(without_from(ex)));
}

TEST_CASE("adhoc: example 4 lists six commands of the responder") {
  auto items = disco::parse_items_result(example("xep0050-ex4-list-result.xml"));
  REQUIRE(items);
  const auto list = adhoc::commands_from_items(k_responder, *items);
  CHECK(list.jid == k_responder);
  REQUIRE(list.commands.size() == 6);
  CHECK(list.commands[0] == adhoc::CommandItem{k_responder, "list", "List Service Configurations"});
  CHECK(list.commands[1].node == "config");
  CHECK(list.commands[5].node == "restart");
  CHECK(list.commands[5].name == "Restart Service");
  CHECK(list.spoofed == 0);
  CHECK(list.skipped == 0);
}

TEST_CASE("adhoc: items naming another JID are ignored (§5, SECURITY.md row 39)") {
  const auto reply = test::parse_stanza(
      "<iq type='result' from='responder@domain' id='l1'>"
      "<query xmlns='http://jabber.org/protocol/disco#items' "
      "node='http://jabber.org/protocol/commands'>"
      "<item jid='responder@domain' node='ok' name='Fine'/>"
      "<item jid='evil@domain' node='steal' name='Enter your password'/>"
      "<item jid='responder@domain/other' node='other-resource'/>"
      "<item jid='domain' node='the-server'/>"
      "<item jid='responder@domain' name='No node'/>"
      "<item jid='not a jid@@' node='broken'/>"
      "<item jid='RESPONDER@domain' node='normalised'/>"
      "</query></iq>");
  auto items = disco::parse_items_result(reply);
  REQUIRE(items);
  const auto list = adhoc::commands_from_items(k_responder, *items);
  REQUIRE(list.commands.size() == 2);
  CHECK(list.commands[0].node == "ok");
  CHECK(list.commands[1].node == "normalised");  // JIDs compare normalised (localpart casefold)
  CHECK(list.spoofed == 3);
  CHECK(list.skipped == 2);  // the item without node and the unparsable JID
}

// ---- requests --------------------------------------------------------------------------------

TEST_CASE("adhoc: execute requests are examples 8, 10 and 20") {
  adhoc::Request list;
  list.node = "list";
  CHECK(canonical(adhoc::make_request(k_responder, list, "exec1")) ==
        canonical(example("xep0050-ex8-execute-request.xml")));
  adhoc::Request config;
  config.node = "config";
  CHECK(canonical(adhoc::make_request(k_responder, config, "exec1")) ==
        canonical(example("xep0050-ex10-stage1-request.xml")));
  list.lang = "en-us";
  CHECK(canonical(adhoc::make_request(k_responder, list, "exec1")) ==
        canonical(example("xep0050-ex20-execute-request-lang.xml")));
}

TEST_CASE("adhoc: prev and cancel requests are examples 16 and 18") {
  adhoc::Request prev;
  prev.node = "config";
  prev.sessionid = "config:20020923T213616Z-700";
  prev.action = adhoc::Action::prev;
  CHECK(canonical(adhoc::make_request(k_responder, prev, "exec2")) ==
        canonical(example("xep0050-ex16-revert-request.xml")));
  adhoc::Request cancel = prev;
  cancel.action = adhoc::Action::cancel;
  CHECK(canonical(adhoc::make_request(k_responder, cancel, "exec3")) ==
        canonical(example("xep0050-ex18-cancel-request.xml")));
}

TEST_CASE("adhoc: the submissions of examples 12 and 14 parse and are rebuilt") {
  for (const char* name : {"xep0050-ex12-stage2-submit.xml", "xep0050-ex14-stage3-submit.xml"}) {
    CAPTURE(name);
    const auto ex = example(name);
    auto request = adhoc::parse_request(ex);
    REQUIRE_MESSAGE(request.has_value(), (request ? "" : request.error().message));
    CHECK(request->node == "config");
    CHECK(request->sessionid == "config:20020923T213616Z-700");
    CHECK(request->action == adhoc::Action::execute);  // absent means execute (§4.1)
    REQUIRE(request->form);
    CHECK(request->form->type == forms::FormType::submit);
    // Ours always names the action; the examples leave execute implied.
    auto expected = canonical(ex);
    expected.child("command", adhoc::k_ns)->set_attr("action", "execute");
    CHECK(canonical(adhoc::make_request(k_responder, *request, *ex.attr("id"))) ==
          canonical(expected));
  }
  auto stage2 = adhoc::parse_request(example("xep0050-ex12-stage2-submit.xml"));
  REQUIRE(stage2);
  REQUIRE(stage2->form->field("service"));
  CHECK(stage2->form->field("service")->values == std::vector<std::string>{"httpd"});
}

TEST_CASE("adhoc: a request's locale is read from the iq (example 22)") {
  auto request = adhoc::parse_request(example("xep0050-ex22-execute-request-bad-locale.xml"));
  REQUIRE(request);
  CHECK(request->lang == "fr-ca");
  CHECK(request->node == "list");
  CHECK_FALSE(request->sessionid);
}

TEST_CASE("adhoc: requests a responder cannot read") {
  const auto no_command = adhoc::parse_request(
      test::parse_stanza("<iq type='set' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"));
  REQUIRE_FALSE(no_command);
  CHECK(no_command.error().code == "bad_request");
  const auto no_node = adhoc::parse_request(test::parse_stanza(
      "<iq type='set' id='1'><command xmlns='http://jabber.org/protocol/commands'/></iq>"));
  REQUIRE_FALSE(no_node);
  CHECK(no_node.error().message.find("node") != std::string::npos);
  const auto bad_action = adhoc::parse_request(
      test::parse_stanza("<iq type='set' id='1'><command xmlns='http://jabber.org/protocol/"
                         "commands' node='n' action='finish'/></iq>"));
  REQUIRE_FALSE(bad_action);
  CHECK(bad_action.error().message.find("finish") != std::string::npos);
}

// ---- responses -------------------------------------------------------------------------------

TEST_CASE("adhoc: example 9, a single-stage result with a table") {
  const auto r = response_of("xep0050-ex9-execute-result-table.xml");
  CHECK(r.from == k_responder);
  CHECK(r.node == "list");
  CHECK(r.sessionid == "list:20020923T213616Z-700");
  CHECK(r.status == adhoc::Status::completed);
  CHECK(r.finished());
  CHECK_FALSE(r.open());
  CHECK_FALSE(r.actions);
  CHECK(r.notes.empty());
  CHECK(r.payloads.empty());
  REQUIRE(r.form);
  CHECK(r.form->type == forms::FormType::result);
  CHECK(r.form->title == "Available Services");
  CHECK(r.form->reported.size() == 5);
  REQUIRE(r.form->items.size() == 3);
  CHECK(r.form->items[2].field("service")->values == std::vector<std::string>{"jabberd"});
  // A finished session allows nothing and offers nothing.
  CHECK_FALSE(r.allows(adhoc::Action::cancel));
  CHECK_FALSE(r.allows(adhoc::Action::complete));
  CHECK(r.offered().empty());
}

TEST_CASE("adhoc: example 11, stage 1 offers next only (§3.4)") {
  const auto r = response_of("xep0050-ex11-stage1-form.xml");
  CHECK(r.status == adhoc::Status::executing);
  CHECK(r.open());
  REQUIRE(r.actions);
  CHECK(r.actions->execute == adhoc::Action::next);
  CHECK(r.actions->allowed == std::vector<adhoc::Action>{adhoc::Action::next});
  CHECK(r.default_action() == adhoc::Action::next);
  CHECK(r.resolve(adhoc::Action::execute) == adhoc::Action::next);
  CHECK(r.allows(adhoc::Action::execute));
  CHECK(r.allows(adhoc::Action::next));
  CHECK(r.allows(adhoc::Action::cancel));
  CHECK_FALSE(r.allows(adhoc::Action::prev));
  CHECK_FALSE(r.allows(adhoc::Action::complete));
  CHECK(r.offered() == std::vector<adhoc::Action>{adhoc::Action::next, adhoc::Action::cancel});
  REQUIRE(r.form);
  CHECK(r.form->type == forms::FormType::form);
  REQUIRE(r.form->field("service"));
  CHECK(r.form->field("service")->type == forms::FieldType::list_single);
  CHECK(r.form->field("service")->options.size() == 3);
}

TEST_CASE("adhoc: example 13, stage 2 offers prev and complete, execute = complete") {
  const auto r = response_of("xep0050-ex13-stage2-form.xml");
  REQUIRE(r.actions);
  CHECK(r.actions->execute == adhoc::Action::complete);
  CHECK(r.actions->allowed ==
        std::vector<adhoc::Action>{adhoc::Action::prev, adhoc::Action::complete});
  CHECK(r.resolve(adhoc::Action::execute) == adhoc::Action::complete);
  CHECK(r.resolve(adhoc::Action::prev) == adhoc::Action::prev);
  CHECK(r.allows(adhoc::Action::prev));
  CHECK(r.allows(adhoc::Action::complete));
  CHECK_FALSE(r.allows(adhoc::Action::next));
  CHECK(r.offered() == std::vector<adhoc::Action>{adhoc::Action::prev, adhoc::Action::complete,
                                                  adhoc::Action::cancel});
  REQUIRE(r.form);
  CHECK(r.form->field("runlevel")->values == std::vector<std::string>{"3", "5"});
  CHECK(r.form->field("state")->options.size() == 2);
}

TEST_CASE("adhoc: examples 15, 17 and 19: completed with a note, reverted, canceled") {
  const auto done = response_of("xep0050-ex15-stage3-completed.xml");
  CHECK(done.status == adhoc::Status::completed);
  REQUIRE(done.notes.size() == 1);
  CHECK(done.notes[0] == adhoc::Note{adhoc::NoteType::info, "Service 'httpd' has been configured."});
  CHECK_FALSE(done.has_error_note());
  CHECK_FALSE(done.form);

  const auto back = response_of("xep0050-ex17-revert-stage1-form.xml");
  CHECK(back.status == adhoc::Status::executing);
  REQUIRE(back.form);
  CHECK(back.form->field("service")->values == std::vector<std::string>{"httpd"});

  const auto canceled = response_of("xep0050-ex19-canceled.xml");
  CHECK(canceled.status == adhoc::Status::canceled);
  CHECK(canceled.finished());
  CHECK(canceled.sessionid == "config:20020923T213616Z-700");
  CHECK_FALSE(canceled.form);
}

TEST_CASE("adhoc: example 21 carries the locale on the iq (§3.7)") {
  const auto r = response_of("xep0050-ex21-result-table-lang.xml");
  CHECK(r.lang == "en-us");
  CHECK(r.status == adhoc::Status::completed);
  REQUIRE(r.form);
  CHECK(r.form->reported[3].label == "Full Mult-User mode");
}

TEST_CASE("adhoc: no <actions/> is a single-stage dialog: execute means complete (§3.4)") {
  const auto r = adhoc::parse_response(test::parse_stanza(
      "<iq type='result' from='responder@domain' id='1'>"
      "<command xmlns='http://jabber.org/protocol/commands' node='n' sessionid='s' "
      "status='executing'><x xmlns='jabber:x:data' type='form'>"
      "<field var='a' type='text-single'/></x></command></iq>"));
  REQUIRE(r);
  CHECK_FALSE(r->actions);
  CHECK(r->default_action() == adhoc::Action::complete);
  CHECK(r->allows(adhoc::Action::execute));
  CHECK(r->allows(adhoc::Action::complete));
  CHECK_FALSE(r->allows(adhoc::Action::next));
  CHECK_FALSE(r->allows(adhoc::Action::prev));
  CHECK(r->offered() == std::vector<adhoc::Action>{adhoc::Action::complete, adhoc::Action::cancel});
}

TEST_CASE("adhoc: a completed stage's type='form' data is read as the result (ejabberd)") {
  // ejabberd 23.01's user-stats answers status='completed' with <x type='form'>.
  const auto done = adhoc::parse_response(test::parse_stanza(
      "<iq type='result' from='example.test' id='1'>"
      "<command xmlns='http://jabber.org/protocol/commands' "
      "node='http://jabber.org/protocol/admin#user-stats' status='completed'>"
      "<x xmlns='jabber:x:data' type='form'><field var='rostersize' type='text-single'>"
      "<value>0</value></field></x></command></iq>"));
  REQUIRE(done);
  REQUIRE(done->form);
  CHECK(done->form->type == forms::FormType::result);
  CHECK(done->form->field("rostersize")->values == std::vector<std::string>{"0"});
  // An executing stage's form stays a form: it is there to be filled.
  const auto open = adhoc::parse_response(test::parse_stanza(
      "<iq type='result' from='example.test' id='2'>"
      "<command xmlns='http://jabber.org/protocol/commands' node='n' sessionid='s' "
      "status='executing'><x xmlns='jabber:x:data' type='form'>"
      "<field var='a' type='text-single'/></x></command></iq>"));
  REQUIRE(open);
  REQUIRE(open->form);
  CHECK(open->form->type == forms::FormType::form);
}

TEST_CASE("adhoc: <actions/> without 'execute' means next; odd children are ignored") {
  const auto r = adhoc::parse_response(test::parse_stanza(
      "<iq type='result' from='responder@domain' id='1'>"
      "<command xmlns='http://jabber.org/protocol/commands' node='n' sessionid='s' "
      "status='executing'><actions execute='finish'><prev/><next/><next/><cancel/><execute/>"
      "<skip/></actions><actions><complete/></actions></command></iq>"));
  REQUIRE(r);
  REQUIRE(r->actions);
  CHECK_FALSE(r->actions->execute);  // 'finish' is no action: read as absent
  CHECK(r->actions->allowed == std::vector<adhoc::Action>{adhoc::Action::prev, adhoc::Action::next});
  CHECK(r->default_action() == adhoc::Action::next);
  CHECK(r->allows(adhoc::Action::execute));
  CHECK_FALSE(r->allows(adhoc::Action::complete));  // the second <actions/> does not count
}

TEST_CASE("adhoc: an 'execute' attribute naming a disallowed action does not allow it") {
  const auto r = adhoc::parse_response(test::parse_stanza(
      "<iq type='result' from='responder@domain' id='1'>"
      "<command xmlns='http://jabber.org/protocol/commands' node='n' sessionid='s' "
      "status='executing'><actions execute='complete'><next/></actions></command></iq>"));
  REQUIRE(r);
  CHECK(r->default_action() == adhoc::Action::complete);
  CHECK_FALSE(r->allows(adhoc::Action::execute));
  CHECK(r->allows(adhoc::Action::next));
}

TEST_CASE("adhoc: notes of every type, other payloads kept in order") {
  const auto r = adhoc::parse_response(test::parse_stanza(
      "<iq type='result' from='responder@domain' id='1'>"
      "<command xmlns='http://jabber.org/protocol/commands' node='n' status='completed'>"
      "<note type='warn'>careful</note><note>plain</note><note type='error'>it failed</note>"
      "<note type='fatal'>odd</note>"
      "<x xmlns='jabber:x:oob'><url>http://example.test/log</url></x>"
      "<x xmlns='jabber:x:data' type='result'><title>First</title></x>"
      "<x xmlns='jabber:x:data' type='result'><title>Second</title></x>"
      "</command></iq>"));
  REQUIRE(r);
  REQUIRE(r->notes.size() == 4);
  CHECK(r->notes[0] == adhoc::Note{adhoc::NoteType::warn, "careful"});
  CHECK(r->notes[1].type == adhoc::NoteType::info);  // §4.3: no type implies info
  CHECK(r->notes[2].type == adhoc::NoteType::error);
  CHECK(r->notes[3].type == adhoc::NoteType::info);
  CHECK(r->has_error_note());
  CHECK_FALSE(r->sessionid);
  REQUIRE(r->form);
  CHECK(r->form->title == "First");
  REQUIRE(r->payloads.size() == 2);
  CHECK(r->payloads[0].is("x", "jabber:x:oob"));
  CHECK(r->payloads[1].is("x", "jabber:x:data"));
}

TEST_CASE("adhoc: answers that say too little are protocol errors") {
  const auto parse = [](const std::string& command) {
    return adhoc::parse_response(
        test::parse_stanza("<iq type='result' from='responder@domain' id='1'>" + command + "</iq>"));
  };
  const std::string ns = " xmlns='http://jabber.org/protocol/commands'";
  // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
  for (const auto& cases : std::vector<std::pair<std::string, std::string>>{
           {"", "no ad-hoc <command/>"},
           {"<command" + ns + " status='completed'/>", "no 'node'"},
           {"<command" + ns + " node='n'/>", "no 'status'"},
           {"<command" + ns + " node='n' status='done'/>", "unknown status 'done'"},
           {"<command" + ns + " node='n' status='executing'><x xmlns='jabber:x:data'/></command>",
            "data form"},
       }) {
    const std::string& command = cases.first;
    const std::string& needle = cases.second;
    CAPTURE(command);
    const auto r = parse(command);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::protocol);
    CHECK(r.error().code == "bad_reply");
    CHECK(r.error().message.find(needle) != std::string::npos);
  }
  // An empty sessionid is none (§4.1: it MUST NOT be empty).
  const auto empty_sid = parse("<command" + ns + " node='n' sessionid='' status='executing'/>");
  REQUIRE(empty_sid);
  CHECK_FALSE(empty_sid->sessionid);
  CHECK_FALSE(empty_sid->open());
}

TEST_CASE("adhoc: to_element round-trips every example response") {
  for (const char* name :
       {"xep0050-ex9-execute-result-table.xml", "xep0050-ex11-stage1-form.xml",
        "xep0050-ex13-stage2-form.xml", "xep0050-ex15-stage3-completed.xml",
        "xep0050-ex17-revert-stage1-form.xml", "xep0050-ex19-canceled.xml"}) {
    CAPTURE(name);
    const auto r = response_of(name);
    const auto request = adhoc::make_request(k_responder, request_for(r.node), "x1");
    auto again = adhoc::parse_response(result_iq(request, r));
    REQUIRE(again);
    CHECK(again->node == r.node);
    CHECK(again->sessionid == r.sessionid);
    CHECK(again->status == r.status);
    CHECK(again->actions == r.actions);
    CHECK(again->notes == r.notes);
    CHECK(again->form == r.form);
    CHECK(again->payloads == r.payloads);
  }
}

// ---- errors ----------------------------------------------------------------------------------

TEST_CASE("adhoc: example 23, bad-locale beside bad-request (§4.4)") {
  const auto ex = example("xep0050-ex23-bad-locale-error.xml");
  CHECK(adhoc::command_error(ex) == adhoc::CommandError::bad_locale);
  const auto general = stanza::to_error(ex, "");
  CHECK(general.condition == "bad-request");
  const auto e = adhoc::describe_error(general, k_responder, "list", adhoc::Action::execute,
                                       adhoc::command_error(ex));
  CHECK(e.kind == ErrorKind::remote);
  CHECK(e.condition == "bad-request");
  CHECK(e.message == "command list at responder@domain: the command cannot use the language "
                     "asked for (bad-request)");
}

TEST_CASE("adhoc: every §4.4 condition is built with its general condition and read back") {
  const auto request = adhoc::make_request(k_responder, request_for("config"), "e1");
  for (auto c : {adhoc::CommandError::malformed_action, adhoc::CommandError::bad_action,
                 adhoc::CommandError::bad_locale, adhoc::CommandError::bad_payload,
                 adhoc::CommandError::bad_sessionid, adhoc::CommandError::session_expired}) {
    CAPTURE(adhoc::to_string(c));
    CHECK(adhoc::parse_command_error(adhoc::to_string(c)) == c);
    auto reply = adhoc::make_error_reply(request, c);
    reply.set_attr("from", "responder@domain");
    CHECK(adhoc::command_error(reply) == c);
    const auto parsed = stanza::parse_stanza_error(reply);
    CHECK(parsed.condition == adhoc::general_condition(c));
    CHECK(parsed.type == (c == adhoc::CommandError::session_expired ? stanza::ErrorType::cancel
                                                                    : stanza::ErrorType::modify));
    CHECK_FALSE(adhoc::explain(c, adhoc::Action::next).empty());
  }
  CHECK(adhoc::explain(adhoc::CommandError::bad_action, adhoc::Action::prev) ==
        "the command does not accept the action 'prev' at this stage");
  CHECK_FALSE(adhoc::command_error(test::parse_stanza(
      "<iq type='error' id='1'><error type='cancel'><forbidden "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")));
}

TEST_CASE("adhoc: describe_error says what a refusal means") {
  const auto stanza_error = [](std::string condition, std::string text) {
    return make_error(ErrorKind::remote, "stanza_error", condition,
                      text.empty() ? condition : condition + " (" + text + ")");
  };
  const auto forbidden = adhoc::describe_error(
      stanza_error("forbidden", "You don't have permission to execute this command"), jid("localhost"),
      "http://jabber.org/protocol/admin#add-user", adhoc::Action::execute);
  CHECK(forbidden.kind == ErrorKind::remote);
  CHECK(forbidden.condition == "forbidden");
  CHECK(forbidden.message ==
        "command http://jabber.org/protocol/admin#add-user at localhost: you are not allowed to "
        "run this command (forbidden (You don't have permission to execute this command))");
  CHECK(adhoc::describe_error(stanza_error("item-not-found", ""), k_responder, "x",
                              adhoc::Action::execute)
            .message.find("no such command") != std::string::npos);
  CHECK(adhoc::describe_error(stanza_error("service-unavailable", ""), k_responder, "x",
                              adhoc::Action::execute)
            .message.find("responder@domain does not offer ad-hoc commands") != std::string::npos);
  CHECK(adhoc::describe_error(stanza_error("not-allowed", ""), k_responder, "x",
                              adhoc::Action::next)
            .message.find("expired") != std::string::npos);
  CHECK(adhoc::describe_error(stanza_error("bad-request", ""), k_responder, "x",
                              adhoc::Action::complete)
            .message.find("refused the action 'complete'") != std::string::npos);
  const auto timeout = adhoc::describe_error(
      make_error(ErrorKind::temporary, "timeout", "", "no reply within 5 s"), k_responder, "x",
      adhoc::Action::execute);
  CHECK(timeout.kind == ErrorKind::temporary);
  CHECK(timeout.code == "timeout");
  CHECK(timeout.message == "command x at responder@domain: no reply within 5 s");
}

// ---- operations over a scripted session ------------------------------------------------------

namespace {

struct AdhocFixture {
  asio::io_context io;
  test::FakeSession session{io.get_executor(), jid("requester@domain/res")};
};

/// A responder playing XEP-0050's "config" command (examples 11, 13, 15, 17, 19) and listing
/// example 4's items plus a spoofed one.
std::optional<xml::Element> config_responder(const xml::Element& iq) {
  if (iq.child("query", disco::k_ns_items)) {
    auto items = test::parse_stanza(
        "<iq type='result' from='responder@domain' to='requester@domain/res'>"
        "<query xmlns='http://jabber.org/protocol/disco#items' "
        "node='http://jabber.org/protocol/commands'>"
        "<item jid='responder@domain' node='config' name='Configure Service'/>"
        "<item jid='mallory@domain' node='config' name='Configure Service'/>"
        "</query></iq>");
    items.set_attr("id", *iq.attr("id"));
    return items;
  }
  auto request = adhoc::parse_request(iq);
  REQUIRE(request);
  std::string fixture;
  if (!request->sessionid)
    fixture = "xep0050-ex11-stage1-form.xml";
  else if (request->action == adhoc::Action::next)
    fixture = "xep0050-ex13-stage2-form.xml";
  else if (request->action == adhoc::Action::complete)
    fixture = "xep0050-ex15-stage3-completed.xml";
  else if (request->action == adhoc::Action::prev)
    fixture = "xep0050-ex17-revert-stage1-form.xml";
  else if (request->action == adhoc::Action::cancel)
    fixture = "xep0050-ex19-canceled.xml";
  else
    return adhoc::make_error_reply(iq, adhoc::CommandError::bad_action);
  auto reply = example(fixture);
  reply.set_attr("id", *iq.attr("id"));
  return reply;
}

const adhoc::Request& last_request(const test::FakeSession& session, adhoc::Request& out) {
  REQUIRE_FALSE(session.requests.empty());
  auto r = adhoc::parse_request(session.requests.back());
  REQUIRE(r);
  out = *r;
  return out;
}

}  // namespace

TEST_CASE("adhoc ops: list keeps the responder's own commands only") {
  AdhocFixture f;
  f.session.responder = config_responder;
  auto list = test::run_coroutine<Result<adhoc::CommandList>>(
      f.io, [&] { return adhoc::list(f.session, k_responder, milliseconds(500)); });
  REQUIRE_MESSAGE(list.has_value(), (list ? "" : list.error().message));
  REQUIRE(list->commands.size() == 1);
  CHECK(list->commands[0].node == "config");
  CHECK(list->spoofed == 1);
  REQUIRE(f.session.requests.size() == 1);
  CHECK(canonical(f.session.requests[0]).child("query", disco::k_ns_items)->attr("node") ==
        std::string(adhoc::k_node));
}

TEST_CASE("adhoc ops: a three-stage walk with prev, execute resolved per stage") {
  AdhocFixture f;
  f.session.responder = config_responder;
  adhoc::Request sent;
  auto stage1 = test::run_coroutine<Result<adhoc::Response>>(
      f.io, [&] { return adhoc::execute(f.session, k_responder, "config", milliseconds(500)); });
  REQUIRE(stage1);
  CHECK(stage1->from == k_responder);
  CHECK(stage1->open());
  CHECK(last_request(f.session, sent).action == adhoc::Action::execute);
  CHECK_FALSE(sent.sessionid);

  const forms::Form submit = service_httpd();
  auto stage2 = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, *stage1, adhoc::Action::execute, submit, milliseconds(500));
  });
  REQUIRE(stage2);
  CHECK(last_request(f.session, sent).action == adhoc::Action::next);  // execute='next' (ex. 11)
  CHECK(sent.sessionid == "config:20020923T213616Z-700");
  REQUIRE(sent.form);
  CHECK(sent.form->field("service")->values == std::vector<std::string>{"httpd"});
  CHECK(stage2->allows(adhoc::Action::prev));

  auto back = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, *stage2, adhoc::Action::prev, std::nullopt,
                          milliseconds(500));
  });
  REQUIRE(back);
  CHECK(last_request(f.session, sent).action == adhoc::Action::prev);
  CHECK(back->form->field("service")->values == std::vector<std::string>{"httpd"});

  auto again = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, *back, adhoc::Action::next, submit, milliseconds(500));
  });
  REQUIRE(again);
  auto done = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, *again, adhoc::Action::execute, submit, milliseconds(500));
  });
  REQUIRE(done);
  CHECK(last_request(f.session, sent).action == adhoc::Action::complete);  // ex. 13
  CHECK(done->status == adhoc::Status::completed);
  CHECK(done->notes.size() == 1);
  CHECK(f.session.requests.size() == 5);

  // Over: nothing more is sent, and close() has nothing to do.
  auto after = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, *done, adhoc::Action::next, std::nullopt, milliseconds(500));
  });
  REQUIRE_FALSE(after);
  CHECK(after.error().kind == ErrorKind::usage);
  CHECK(after.error().message.find("over") != std::string::npos);
  auto closed = test::run_coroutine<Result<void>>(
      f.io, [&] { return adhoc::close(f.session, *done, milliseconds(500)); });
  CHECK(closed);
  CHECK(f.session.requests.size() == 5);
}

TEST_CASE("adhoc ops: an action the stage does not offer is refused before sending") {
  AdhocFixture f;
  f.session.responder = config_responder;
  const auto stage1 = response_of("xep0050-ex11-stage1-form.xml");
  auto r = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, stage1, adhoc::Action::complete, std::nullopt,
                          milliseconds(500));
  });
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::usage);
  CHECK(r.error().message ==
        "command config at responder@domain: the command offers next or cancel at this stage, "
        "not complete");
  CHECK(f.session.requests.empty());
}

TEST_CASE("adhoc ops: cancel and close end an open session without a form") {
  AdhocFixture f;
  f.session.responder = config_responder;
  const auto stage2 = response_of("xep0050-ex13-stage2-form.xml");
  forms::Form submit;
  submit.type = forms::FormType::submit;
  auto canceled = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, stage2, adhoc::Action::cancel, submit, milliseconds(500));
  });
  REQUIRE(canceled);
  CHECK(canceled->status == adhoc::Status::canceled);
  REQUIRE(f.session.requests.size() == 1);
  CHECK(canonical(f.session.requests[0]) ==
        canonical(adhoc::make_request(
            k_responder, request_for("config", "config:20020923T213616Z-700", adhoc::Action::cancel),
            *f.session.requests[0].attr("id"))));

  auto closed = test::run_coroutine<Result<void>>(
      f.io, [&] { return adhoc::close(f.session, stage2, milliseconds(500)); });
  CHECK(closed);
  REQUIRE(f.session.requests.size() == 2);
  adhoc::Request sent;
  CHECK(last_request(f.session, sent).action == adhoc::Action::cancel);
  CHECK_FALSE(sent.form);
}

TEST_CASE("adhoc ops: answers for another session or command are protocol errors") {
  AdhocFixture f;
  std::string sessionid = "other-session";
  std::string node = "config";
  f.session.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    adhoc::Response r;
    r.node = node;
    r.sessionid = sessionid;
    r.status = adhoc::Status::executing;
    return result_iq(iq, r);
  };
  auto wrong_session = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, k_responder, "config", "mine", adhoc::Action::next,
                          std::nullopt, milliseconds(500));
  });
  REQUIRE_FALSE(wrong_session);
  CHECK(wrong_session.error().kind == ErrorKind::protocol);
  CHECK(wrong_session.error().message.find("another session") != std::string::npos);

  node = "reset";
  auto wrong_node = test::run_coroutine<Result<adhoc::Response>>(
      f.io, [&] { return adhoc::execute(f.session, k_responder, "config", milliseconds(500)); });
  REQUIRE_FALSE(wrong_node);
  CHECK(wrong_node.error().kind == ErrorKind::protocol);
  CHECK(wrong_node.error().message.find("another command (reset)") != std::string::npos);
}

TEST_CASE("adhoc ops: a later answer without sessionid keeps ours") {
  AdhocFixture f;
  f.session.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    adhoc::Response r;
    r.node = "config";
    r.status = adhoc::Status::executing;
    r.actions = adhoc::Actions{adhoc::Action::complete, {adhoc::Action::complete}};
    return result_iq(iq, r);
  };
  auto r = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::proceed(f.session, k_responder, "config", "mine", adhoc::Action::next,
                          std::nullopt, milliseconds(500));
  });
  REQUIRE(r);
  CHECK(r->sessionid == "mine");
  CHECK(r->open());
}

TEST_CASE("adhoc ops: refusals, timeouts and usage errors") {
  AdhocFixture f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    auto reply = stanza::make_error_reply(
        iq, stanza::make_stanza_error("forbidden", "You don't have permission to execute this command"));
    reply.set_attr("from", "localhost");
    return reply;
  };
  auto forbidden = test::run_coroutine<Result<adhoc::Response>>(f.io, [&] {
    return adhoc::execute(f.session, jid("localhost"), "http://jabber.org/protocol/admin#add-user",
                          milliseconds(500));
  });
  REQUIRE_FALSE(forbidden);
  CHECK(forbidden.error().kind == ErrorKind::remote);
  CHECK(forbidden.error().condition == "forbidden");
  CHECK(forbidden.error().message.find("you are not allowed to run this command") !=
        std::string::npos);

  auto list = test::run_coroutine<Result<adhoc::CommandList>>(
      f.io, [&] { return adhoc::list(f.session, jid("localhost"), milliseconds(500)); });
  REQUIRE_FALSE(list);
  CHECK(list.error().message.find("localhost does not show you its commands") != std::string::npos);

  f.session.responder = [](const xml::Element&) { return std::nullopt; };
  auto silent = test::run_coroutine<Result<adhoc::Response>>(
      f.io, [&] { return adhoc::execute(f.session, k_responder, "config", milliseconds(50)); });
  REQUIRE_FALSE(silent);
  CHECK(silent.error().kind == ErrorKind::temporary);
  CHECK(silent.error().message.rfind("command config at responder@domain: ", 0) == 0);

  const auto sent_before = f.session.requests.size();
  auto no_node = test::run_coroutine<Result<adhoc::Response>>(
      f.io, [&] { return adhoc::execute(f.session, k_responder, "", milliseconds(50)); });
  REQUIRE_FALSE(no_node);
  CHECK(no_node.error().kind == ErrorKind::usage);
  auto no_sid = test::run_coroutine<Result<adhoc::Response>>(
      f.io, [&] { return adhoc::cancel(f.session, k_responder, "config", "", milliseconds(50)); });
  REQUIRE_FALSE(no_sid);
  CHECK(no_sid.error().kind == ErrorKind::usage);
  CHECK(f.session.requests.size() == sent_before);
}

TEST_CASE("adhoc: <actions><complete/></actions> without 'execute' executes as complete") {
  // slixmpp's xep_0050 writes its last stage so; next, §3.4's default, is not allowed there.
  adhoc::Response r;
  r.status = adhoc::Status::executing;
  r.actions = adhoc::Actions{std::nullopt, {adhoc::Action::complete}};
  CHECK(r.default_action() == adhoc::Action::complete);
  CHECK(r.allows(adhoc::Action::execute));
  CHECK_FALSE(r.allows(adhoc::Action::next));
  r.actions = adhoc::Actions{std::nullopt, {adhoc::Action::next, adhoc::Action::complete}};
  CHECK(r.default_action() == adhoc::Action::next);
}
