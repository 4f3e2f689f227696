// XEP-0050 ad-hoc commands over the real session driver against the scripted server: the
// command list with a spoofed item dropped (§5, SECURITY.md row 39), a multi-stage command
// walked to completion with the concrete actions on the wire (§2.4.2, §3.4), a forged answer
// from another JID ignored (RFC 6120 §8.2.3, SECURITY.md row 31), the §4.4 refusals explained,
// and an open session closed with cancel (§2.4.3).
#include "harness.hpp"

#include "xep/adhoc/adhoc_ops.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

const Jid k_server = Jid::parse("example.test").value();
constexpr const char* k_add_user = "http://jabber.org/protocol/admin#add-user";
constexpr const char* k_cmd_ns = "http://jabber.org/protocol/commands";



std::string result_from(const std::string& from, const xml::Element& request,
                        const std::string& payload) {
  return "<iq type='result' from='" + from + "' to='alice@example.test/res1' id='" +
         id_of(request) + "'>" + payload + "</iq>";
}

std::string error_from_server(const xml::Element& request, const std::string& type,
                              const std::string& condition, const std::string& extra = {}) {
  return "<iq type='error' from='example.test' to='alice@example.test/res1' id='" +
         id_of(request) + "'><error type='" + type + "'><" + condition +
         " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>" + extra + "</error></iq>";
}

/// Stage 1 of Prosody's add-user command (mod_admin_adhoc): one form, next and complete,
/// execute = complete.
std::string add_user_form(const std::string& sessionid) {
  return std::string("<command xmlns='") + k_cmd_ns + "' node='" + k_add_user +
         "' sessionid='" + sessionid +
         "' status='executing'><actions execute='complete'><next/><complete/></actions>"
         "<x xmlns='jabber:x:data' type='form'><title>Adding a User</title>"
         "<instructions>Fill out this form to add a user.</instructions>"
         "<field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/admin</value>"
         "</field>"
         "<field type='jid-single' var='accountjid' label='The Jabber ID for the account to be "
         "added'><required/></field>"
         "<field type='text-private' var='password' label='The password for this account'/>"
         "<field type='text-private' var='password-verify' label='Retype password'/>"
         "</x></command>";
}

forms::Form add_user_answers() {
  forms::Form form;
  form.type = forms::FormType::submit;
  const auto add = [&](std::string var, std::string value) {
    forms::Field f;
    f.var = std::move(var);
    f.values.push_back(std::move(value));
    form.fields.push_back(std::move(f));
  };
  add("FORM_TYPE", "http://jabber.org/protocol/admin");
  add("accountjid", "newbie@example.test");
  add("password", "s3cret");
  add("password-verify", "s3cret");
  return form;
}

}  // namespace

TEST_CASE("adhoc session: the command list drops items of other JIDs (§5)") {
  Scenario t;
  Result<adhoc::CommandList> list = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        list = co_await adhoc::list(*s, k_server, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto get = co_await t.peer.expect(
            "<iq type='get' to='example.test' id='*'><query "
            "xmlns='http://jabber.org/protocol/disco#items' "
            "node='http://jabber.org/protocol/commands'/></iq>");
        t.peer.send(result_from(
            "example.test", get,
            "<query xmlns='http://jabber.org/protocol/disco#items' "
            "node='http://jabber.org/protocol/commands'>"
            "<item jid='example.test' node='http://jabber.org/protocol/admin#add-user' "
            "name='Add User'/>"
            "<item jid='mallory@evil.test' node='http://jabber.org/protocol/admin#add-user' "
            "name='Add User (really)'/>"
            "<item jid='example.test' node='http://prosody.im/protocol/hats#list' "
            "name='List hats'/></query>"));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(list.has_value(), (list ? "" : list.error().message));
  REQUIRE(list->commands.size() == 2);
  CHECK(list->commands[0].node == k_add_user);
  CHECK(list->commands[0].name == "Add User");
  CHECK(list->commands[1].name == "List hats");
  CHECK(list->spoofed == 1);
}

TEST_CASE("adhoc session: add-user walked to completion; a forged answer is ignored") {
  Scenario t;
  Result<adhoc::Response> stage1 = fail(ErrorKind::software, "not_run", "", "");
  Result<adhoc::Response> done = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        stage1 = co_await adhoc::execute(*s, k_server, k_add_user, 2s);
        if (stage1)
          done = co_await adhoc::proceed(*s, *stage1, adhoc::Action::execute, add_user_answers(),
                                         2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto execute = co_await t.peer.expect(
            std::string("<iq type='set' to='example.test' id='*'><command xmlns='") + k_cmd_ns +
            "' node='" + k_add_user + "' action='execute'/></iq>");
        CHECK_FALSE(execute.child("command", k_cmd_ns)->attr("sessionid"));
        // Someone else answers first with our id: the session only takes the addressee's answer.
        t.peer.send(result_from("mallory@evil.test", execute, add_user_form("forged")));
        t.peer.send(result_from("example.test", execute, add_user_form("sid-1")));
        auto submit = co_await t.peer.expect(
            std::string("<iq type='set' to='example.test' id='*'><command xmlns='") + k_cmd_ns +
            "' node='" + k_add_user +
            "' sessionid='sid-1' action='complete'><x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE'><value>http://jabber.org/protocol/admin</value></field>"
            "<field var='accountjid'><value>newbie@example.test</value></field>"
            "<field var='password'><value>s3cret</value></field>"
            "<field var='password-verify'><value>s3cret</value></field>"
            "</x></command></iq>");
        t.peer.send(result_from("example.test", submit,
                                std::string("<command xmlns='") + k_cmd_ns + "' node='" +
                                    k_add_user +
                                    "' sessionid='sid-1' status='completed'><note type='info'>"
                                    "Account successfully created</note></command>"));
        co_await clean_close(t.peer);
      });
  REQUIRE_MESSAGE(stage1.has_value(), (stage1 ? "" : stage1.error().message));
  CHECK(stage1->sessionid == "sid-1");
  CHECK(stage1->from == k_server);
  CHECK(stage1->default_action() == adhoc::Action::complete);
  REQUIRE(stage1->form);
  CHECK(stage1->form->private_vars() == std::vector<std::string>{"password", "password-verify"});
  REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().message));
  CHECK(done->status == adhoc::Status::completed);
  REQUIRE(done->notes.size() == 1);
  CHECK(done->notes[0].text == "Account successfully created");
  CHECK_FALSE(done->has_error_note());
}

TEST_CASE("adhoc session: refusals of §4.4 and Prosody's forbidden are explained") {
  Scenario t;
  Result<adhoc::Response> forbidden = fail(ErrorKind::software, "not_run", "", "");
  Result<adhoc::Response> bad_action = fail(ErrorKind::software, "not_run", "", "");
  Result<adhoc::Response> expired = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        forbidden = co_await adhoc::execute(*s, k_server, k_add_user, 2s);
        bad_action = co_await adhoc::proceed(*s, k_server, k_add_user, "sid-2",
                                             adhoc::Action::prev, std::nullopt, 2s);
        expired = co_await adhoc::proceed(*s, k_server, k_add_user, "sid-3",
                                          adhoc::Action::complete, add_user_answers(), 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto first = co_await t.peer.expect("<iq type='set' to='example.test' id='*'/>");
        // mod_adhoc's refusal: forbidden, with a canceled <command/> and an error note beside it.
        t.peer.send(
            "<iq type='error' from='example.test' to='alice@example.test/res1' id='" +
            id_of(first) + "'><error type='auth'><forbidden "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>You don't have permission to execute "
            "this command</text></error><command xmlns='" + k_cmd_ns + "' node='" + k_add_user +
            "' status='canceled'><note type='error'>You don't have permission to execute this "
            "command</note></command></iq>");
        auto prev = co_await t.peer.expect(
            std::string("<iq type='set' to='example.test' id='*'><command xmlns='") + k_cmd_ns +
            "' sessionid='sid-2' action='prev'/></iq>");
        t.peer.send(error_from_server(prev, "modify", "bad-request",
                                      std::string("<bad-action xmlns='") + k_cmd_ns + "'/>"));
        auto complete = co_await t.peer.expect(
            std::string("<iq type='set' to='example.test' id='*'><command xmlns='") + k_cmd_ns +
            "' sessionid='sid-3' action='complete'/></iq>");
        t.peer.send(error_from_server(complete, "cancel", "not-allowed",
                                      std::string("<session-expired xmlns='") + k_cmd_ns + "'/>"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(forbidden.has_value());
  CHECK(forbidden.error().kind == ErrorKind::remote);
  CHECK(forbidden.error().condition == "forbidden");
  CHECK(forbidden.error().message ==
        "command http://jabber.org/protocol/admin#add-user at example.test: you are not allowed "
        "to run this command (forbidden (You don't have permission to execute this command))");
  // Session::request keeps only the general condition: bad-action is explained from bad-request.
  REQUIRE_FALSE(bad_action.has_value());
  CHECK(bad_action.error().condition == "bad-request");
  CHECK(bad_action.error().message.find("refused the action 'prev'") != std::string::npos);
  REQUIRE_FALSE(expired.has_value());
  CHECK(expired.error().condition == "not-allowed");
  CHECK(expired.error().message.find("session has expired") != std::string::npos);
}

TEST_CASE("adhoc session: close() cancels an open session (§2.4.3)") {
  Scenario t;
  Result<adhoc::Response> stage1 = fail(ErrorKind::software, "not_run", "", "");
  Result<void> closed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        stage1 = co_await adhoc::execute(*s, k_server, k_add_user, 2s);
        if (stage1) closed = co_await adhoc::close(*s, *stage1, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await login_without_sm(t.peer);
        auto execute = co_await t.peer.expect("<iq type='set' to='example.test' id='*'/>");
        t.peer.send(result_from("example.test", execute, add_user_form("sid-4")));
        auto cancel = co_await t.peer.expect(
            std::string("<iq type='set' to='example.test' id='*'><command xmlns='") + k_cmd_ns +
            "' node='" + k_add_user + "' sessionid='sid-4' action='cancel'/></iq>");
        CHECK_FALSE(cancel.child("command", k_cmd_ns)->child_in("jabber:x:data"));
        t.peer.send(result_from("example.test", cancel,
                                std::string("<command xmlns='") + k_cmd_ns + "' node='" +
                                    k_add_user + "' sessionid='sid-4' status='canceled'/>"));
        co_await clean_close(t.peer);
      });
  REQUIRE(stage1.has_value());
  CHECK_MESSAGE(closed.has_value(), (closed ? "" : closed.error().message));
}
