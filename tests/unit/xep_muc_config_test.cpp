// XEP-0045 room configuration (§10.1-§10.2) against the spec's numbered examples 154-165: the
// owner form request, reply, submission and cancellation, the command-line shorthands, what a
// submission changed; and create_room/configure/get_config over a scripted room (instant and
// reserved rooms, an existing room, answers refused before or by the room).
#include <doctest/doctest.h>

#include <algorithm>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "stanza/presence.hpp"
#include "xep/muc/admin.hpp"
#include "xep/muc/config.hpp"
#include "xep/muc/config_ops.hpp"
#include "xep_examples.hpp"
#include "xep_muc_fake.hpp"

using namespace xmpp;
using namespace std::chrono_literals;
using test::canonical;
using test::example;
using test::example_answer;
using test::jid;

namespace {

const Jid k_config_room = Jid::parse("coven@chat.shakespeare.lit").value();

/// A spec example as we build it: 'from' is the server's to add.
xml::Element config_as_sent(const std::string& fixture) {
  auto e = example(fixture);
  e.remove_attr("from");
  return canonical(e);
}

forms::Form form_of(const std::string& fixture) {
  auto form = muc::parse_config_form(example(fixture));
  REQUIRE_MESSAGE(form.has_value(), (form ? "" : form.error().message));
  return *form;
}

std::vector<std::string> values(const forms::Form& form, std::string_view var) {
  const auto* field = form.field(var);
  REQUIRE_MESSAGE(field != nullptr, "no field " << var);
  return field->values;
}

template <class T> std::string why(const Result<T>& r) {
  return r ? std::string() : r.error().code + ": " + r.error().message;
}

}  // namespace

// ---- codecs ------------------------------------------------------------------------------------

TEST_CASE("muc config: the form request is examples 156 and 163") {
  CHECK(canonical(muc::make_config_request(k_config_room, "create1")) ==
        config_as_sent("xep0045-ex156-config-request.xml"));
}

TEST_CASE("muc config: the service's form (example 157) reads as a muc#roomconfig form") {
  const auto form = form_of("xep0045-ex157-config-form.xml");
  CHECK(form.type == forms::FormType::form);
  CHECK(form.form_type() == std::string(muc::k_form_roomconfig));
  CHECK(form.title == "Configuration for \"coven\" Room");
  const auto* secret = form.field(muc::k_var_roomsecret);
  REQUIRE(secret != nullptr);
  CHECK(secret->is_private());
  const auto* whois = form.field("muc#roomconfig_whois");
  REQUIRE(whois != nullptr);
  CHECK(whois->effective_type() == forms::FieldType::list_single);
  CHECK(whois->options.size() == 2);
  CHECK(muc::boolean_value(form, muc::k_var_persistent) == false);
  const auto vars = form.input_vars();
  CHECK(std::find(vars.begin(), vars.end(), "FORM_TYPE") == vars.end());
  CHECK(std::find(vars.begin(), vars.end(), std::string(muc::k_var_roomname)) != vars.end());
}

TEST_CASE("muc config: the owner's form with current values (example 165)") {
  const auto form = form_of("xep0045-ex165-config-form-owner.xml");
  CHECK(values(form, muc::k_var_roomname) == std::vector<std::string>{"A Dark Cave"});
  CHECK(values(form, "muc#roomconfig_roomadmins") ==
        std::vector<std::string>{"wiccarocks@shakespeare.lit", "hecate@shakespeare.lit"});
  CHECK(muc::boolean_value(form, muc::k_var_passwordprotected) == true);
  CHECK_FALSE(muc::boolean_value(form, "muc#no_such_field"));
}

TEST_CASE("muc config: replies without a form are bad_reply") {
  // Example 160: the result of a submission carries no form.
  auto none = muc::parse_config_form(test::parse_stanza(
      "<iq from='coven@chat.shakespeare.lit' id='create2' type='result'/>"));
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().kind == ErrorKind::protocol);
  CHECK(none.error().code == "bad_reply");
  auto empty = muc::parse_config_form(test::parse_stanza(
      "<iq from='coven@chat.shakespeare.lit' id='c' type='result'>"
      "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>"));
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == "bad_reply");
}

TEST_CASE("muc config: the submission is example 159, the cancellation example 162") {
  auto submitted = muc::parse_config_submit(example("xep0045-ex159-config-submit.xml"));
  REQUIRE(submitted.has_value());
  CHECK(submitted->type == forms::FormType::submit);
  CHECK(canonical(muc::make_config_submit(k_config_room, *submitted, "create2")) ==
        config_as_sent("xep0045-ex159-config-submit.xml"));
  CHECK(canonical(muc::make_config_submit(k_config_room, forms::cancel_form(), "create2")) ==
        config_as_sent("xep0045-ex162-config-cancel.xml"));
  auto cancel = muc::parse_config_submit(example("xep0045-ex162-config-cancel.xml"));
  REQUIRE(cancel.has_value());
  CHECK(cancel->type == forms::FormType::cancel);
  // The instant room request (example 155) is an empty submission.
  auto instant = muc::parse_config_submit(example("xep0045-ex155-instant-room.xml"));
  REQUIRE(instant.has_value());
  CHECK(instant->type == forms::FormType::submit);
  CHECK(instant->fields.empty());
  CHECK_FALSE(muc::parse_config_submit(example("xep0045-ex156-config-request.xml")));
}

TEST_CASE("muc config: filling example 157 as example 159 does gives its values") {
  const auto form = form_of("xep0045-ex157-config-form.xml");
  auto submitted = muc::parse_config_submit(example("xep0045-ex159-config-submit.xml"));
  REQUIRE(submitted.has_value());
  forms::Answers answers;
  for (const auto& field : submitted->fields) {
    if (field.var != "FORM_TYPE") answers.push_back({field.var, field.values});
  }
  auto filled = forms::fill(form, answers, {forms::Carry::answered, false});
  REQUIRE_MESSAGE(filled.has_value(), "fill refused example 159's answers");
  for (const auto& field : submitted->fields)
    CHECK_MESSAGE(values(*filled, field.var) == field.values, field.var);
}

TEST_CASE("muc config: the shorthands as answers (§15.5.3)") {
  const auto spec_form = form_of("xep0045-ex157-config-form.xml");
  muc::ConfigShorthands s;
  CHECK(s.empty());
  CHECK(muc::shorthand_answers(s, spec_form).empty());
  s.name = "A Dark Cave";
  s.description = "witches";
  s.persistent = true;
  s.members_only = true;
  s.moderated = true;
  s.is_public = false;
  s.password = "cauldronburn";
  CHECK_FALSE(s.empty());
  const forms::Answers expected{
      {"muc#roomconfig_roomname", {"A Dark Cave"}},
      {"muc#roomconfig_roomdesc", {"witches"}},
      {"muc#roomconfig_persistentroom", {"1"}},
      {"muc#roomconfig_membersonly", {"1"}},
      {"muc#roomconfig_moderatedroom", {"1"}},
      {"muc#roomconfig_publicroom", {"0"}},
      {"muc#roomconfig_passwordprotectedroom", {"1"}},
      {"muc#roomconfig_roomsecret", {"cauldronburn"}},
  };
  CHECK(muc::shorthand_answers(s, spec_form) == expected);
  auto filled = forms::fill(spec_form, muc::shorthand_answers(s, spec_form));
  REQUIRE(filled.has_value());
  CHECK(values(*filled, muc::k_var_persistent) == std::vector<std::string>{"1"});

  // A form without the passwordprotectedroom boolean (Prosody): only the secret is answered.
  forms::Form prosody = spec_form;
  prosody.fields.erase(std::remove_if(prosody.fields.begin(), prosody.fields.end(),
                                      [](const forms::Field& f) {
                                        return f.var == muc::k_var_passwordprotected;
                                      }),
                       prosody.fields.end());
  muc::ConfigShorthands only_password;
  only_password.password = "pw";
  CHECK(muc::shorthand_answers(only_password, prosody) ==
        forms::Answers{{"muc#roomconfig_roomsecret", {"pw"}}});
  // --public
  muc::ConfigShorthands pub;
  pub.is_public = true;
  CHECK(muc::shorthand_answers(pub, prosody) ==
        forms::Answers{{"muc#roomconfig_publicroom", {"1"}}});
}

TEST_CASE("muc config: what changed between two forms") {
  const auto before = form_of("xep0045-ex157-config-form.xml");
  CHECK(muc::config_changes(before, before).empty());
  auto after = form_of("xep0045-ex165-config-form-owner.xml");
  auto changes = muc::config_changes(before, after);
  const auto find = [&](std::string_view var) -> const muc::ConfigChange* {
    for (const auto& c : changes)
      if (c.var == var) return &c;
    return nullptr;
  };
  const auto* name = find(muc::k_var_roomname);
  REQUIRE(name != nullptr);
  CHECK(name->before.empty());
  CHECK(name->after == std::vector<std::string>{"A Dark Cave"});
  CHECK(name->label == "Natural-Language Room Name");
  const auto* secret = find(muc::k_var_roomsecret);
  REQUIRE(secret != nullptr);
  CHECK(secret->secret);
  CHECK(secret->after.empty());  // never shown
  CHECK_FALSE(find("FORM_TYPE"));

  // Booleans compare by meaning (§3.3): "true" is "1", no value is false.
  forms::Form a;
  forms::Field flag;
  flag.var = "muc#roomconfig_persistentroom";
  flag.type = forms::FieldType::boolean;
  flag.values = {"1"};
  a.fields.push_back(flag);
  forms::Form b = a;
  b.fields[0].values = {"true"};
  CHECK(muc::config_changes(a, b).empty());
  b.fields[0].values = {};
  auto off = muc::config_changes(a, b);
  REQUIRE(off.size() == 1);
  CHECK(off[0].before == std::vector<std::string>{"1"});
  CHECK(off[0].after.empty());
  // A field the room dropped is reported with its old value.
  auto dropped = muc::config_changes(a, forms::Form{});
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].before == std::vector<std::string>{"1"});
}

// ---- operations over a scripted room -----------------------------------------------------------

namespace {

const char* k_self_created =
    "<presence from='coven@chat.shakespeare.lit/firstwitch' to='crone1@shakespeare.lit/desktop'>"
    "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/>"
    "<status code='110'/><status code='201'/></x></presence>";
const char* k_self_existing =
    "<presence from='coven@chat.shakespeare.lit/firstwitch' to='crone1@shakespeare.lit/desktop'>"
    "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/>"
    "<status code='110'/></x></presence>";
const char* k_self_left =
    "<presence type='unavailable' from='coven@chat.shakespeare.lit/firstwitch' "
    "to='crone1@shakespeare.lit/desktop'><x xmlns='http://jabber.org/protocol/muc#user'>"
    "<item affiliation='owner' role='none'/><status code='110'/></x></presence>";

bool is_owner_get(const xml::Element& iq) {
  return iq.attr("type") == "get" && iq.child("query", muc::k_ns_owner);
}

/// The submitted (or cancelling) form of an owner set, nullopt for other iqs.
std::optional<forms::Form> owner_form(const xml::Element& iq) {
  if (iq.attr("type") != "set") return std::nullopt;
  return muc::parse_config_submit(iq);
}

bool is_destroy(const xml::Element& iq) {
  return iq.attr("type") == "set" && muc::parse_destroy_request(iq).has_value();
}

/// A room at coven@chat.shakespeare.lit: our join finds it new (201) or existing, our leave is
/// confirmed; owner iqs go to `responder`.
struct Room {
  explicit Room(bool is_new) {
    session.script = [is_new](const xml::Element& sent) -> std::vector<xml::Element> {
      if (!stanza::is_presence(sent)) return {};
      if (sent.attr("type") == "unavailable") return {test::parse_stanza(k_self_left)};
      return {test::parse_stanza(is_new ? k_self_created : k_self_existing)};
    };
  }
  asio::io_context io;
  test::RoomSession session{io.get_executor(), jid("crone1@shakespeare.lit/desktop")};

  Result<muc::Created> create(muc::CreateOptions options) {
    return test::run_coroutine<Result<muc::Created>>(
        io, [&] { return muc::create_room(session, k_config_room, options); });
  }
  /// The owner forms we submitted, in order (submit and cancel).
  std::vector<forms::Form> submitted() const {
    std::vector<forms::Form> out;
    for (const auto& iq : session.requests)
      if (auto form = owner_form(iq)) out.push_back(*form);
    return out;
  }
  bool left() const {
    return std::any_of(session.sent.begin(), session.sent.end(), [](const xml::Element& e) {
      return stanza::is_presence(e) && e.attr("type") == "unavailable";
    });
  }
};

muc::CreateOptions create_options() {
  muc::CreateOptions o;
  o.join.nick = "firstwitch";
  o.join.timeout = 2s;
  return o;
}

muc::ConfigAnswers answers_of(forms::Answers answers) {
  return [answers](const forms::Form&) -> Result<forms::Answers> { return answers; };
}

}  // namespace

TEST_CASE("muc join: instant_room false leaves a new room locked for its owner (§10.1.1)") {
  Room r(true);
  muc::JoinOptions options;
  options.nick = "firstwitch";
  options.allow_create = true;
  options.instant_room = false;
  options.timeout = 2s;
  auto joined = test::run_coroutine<Result<muc::Joined>>(
      r.io, [&] { return muc::join(r.session, k_config_room, options); });
  REQUIRE_MESSAGE(joined.has_value(), why(joined));
  CHECK(joined->created);
  CHECK(r.session.requests.empty());  // no instant-room request (example 155)
}

TEST_CASE("muc create: an instant room accepts the defaults (example 155) and reads them back") {
  Room r(true);
  r.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (is_owner_get(iq)) return example_answer(iq, "xep0045-ex165-config-form-owner.xml");
    return stanza::make_result(iq);
  };
  auto created = r.create(create_options());
  REQUIRE_MESSAGE(created.has_value(), why(created));
  CHECK(created->created);
  CHECK(created->instant);
  CHECK(created->persistent == false);
  CHECK_FALSE(created->configured);
  REQUIRE(r.session.requests.size() == 2);
  CHECK(canonical(r.session.requests[0]) ==
        canonical(muc::make_instant_room_request(k_config_room)
                      .set_attr("id", *r.session.requests[0].attr("id"))));
  CHECK(is_owner_get(r.session.requests[1]));
  CHECK(r.left());
}

TEST_CASE("muc create: a reserved room is configured from the owner form (§10.1.3-§10.1.4)") {
  Room r(true);
  int gets = 0;
  r.session.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    if (is_owner_get(iq))
      return example_answer(iq, ++gets == 1 ? "xep0045-ex157-config-form.xml"
                                    : "xep0045-ex165-config-form-owner.xml");
    return stanza::make_result(iq);
  };
  auto options = create_options();
  options.answers = answers_of({{"muc#roomconfig_roomname", {"A Dark Cave"}},
                                {"muc#roomconfig_persistentroom", {"1"}}});
  auto created = r.create(options);
  REQUIRE_MESSAGE(created.has_value(), why(created));
  CHECK(created->created);
  CHECK_FALSE(created->instant);
  REQUIRE(created->configured);
  const auto forms_sent = r.submitted();
  REQUIRE(forms_sent.size() == 1);
  const auto& submit = forms_sent[0];
  CHECK(submit.type == forms::FormType::submit);
  CHECK(submit.form_type() == std::string(muc::k_form_roomconfig));
  CHECK(values(submit, muc::k_var_roomname) == std::vector<std::string>{"A Dark Cave"});
  CHECK(values(submit, muc::k_var_persistent) == std::vector<std::string>{"1"});
  // Carry::all: the defaults we did not touch go back as they were.
  CHECK(values(submit, "muc#roomconfig_maxusers") == std::vector<std::string>{"20"});
  // The changes are those of the form read back (example 165), not merely of our answers.
  const auto& changes = created->configured->changes;
  CHECK(std::any_of(changes.begin(), changes.end(),
                    [](const muc::ConfigChange& c) { return c.var == muc::k_var_roomname; }));
  CHECK(created->persistent == false);  // as read back
  CHECK(r.left());
}

TEST_CASE("muc create: an existing room is room_exists, or nothing with exist_ok") {
  Room r(false);
  r.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    return stanza::make_result(iq);
  };
  auto refused = r.create(create_options());
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().kind == ErrorKind::remote);
  CHECK(refused.error().code == "room_exists");
  CHECK(refused.error().condition == "conflict");
  CHECK(r.session.requests.empty());
  CHECK(r.left());

  Room ok(false);
  auto options = create_options();
  options.exist_ok = true;
  options.answers = answers_of({{"muc#roomconfig_roomname", {"x"}}});
  auto created = ok.create(options);
  REQUIRE_MESSAGE(created.has_value(), why(created));
  CHECK_FALSE(created->created);
  CHECK(ok.session.requests.empty());  // nothing changed
  CHECK(ok.left());
}

TEST_CASE("muc create: an unknown field cancels and destroys the half-made room, exit 65") {
  Room r(true);
  r.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (is_owner_get(iq)) return example_answer(iq, "xep0045-ex157-config-form.xml");
    return stanza::make_result(iq);
  };
  auto options = create_options();
  options.answers = answers_of({{"muc#roomconfig_nosuchthing", {"1"}}});
  auto created = r.create(options);
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error().kind == ErrorKind::data);
  CHECK(created.error().code == "unknown_field");
  CHECK(created.error().message.find("muc#roomconfig_roomname") != std::string::npos);
  const auto forms_sent = r.submitted();
  REQUIRE(forms_sent.size() == 1);
  CHECK(forms_sent[0].type == forms::FormType::cancel);  // §10.1.6, example 162
  CHECK(std::any_of(r.session.requests.begin(), r.session.requests.end(), is_destroy));
  CHECK(r.left());
}

TEST_CASE("muc create: a refused submission (example 161) and a refused answers function") {
  Room r(true);
  r.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (is_owner_get(iq)) return example_answer(iq, "xep0045-ex157-config-form.xml");
    if (auto form = owner_form(iq); form && form->type == forms::FormType::submit)
      return example_answer(iq, "xep0045-ex161-config-not-acceptable.xml");
    return stanza::make_result(iq);
  };
  auto options = create_options();
  options.answers = answers_of({{"muc#roomconfig_roomname", {"A Dark Cave"}}});
  auto created = r.create(options);
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error().kind == ErrorKind::remote);
  CHECK(created.error().condition == "not-acceptable");
  CHECK(created.error().message.find("coven@chat.shakespeare.lit") != std::string::npos);
  const auto forms_sent = r.submitted();
  REQUIRE(forms_sent.size() == 2);
  CHECK(forms_sent[1].type == forms::FormType::cancel);

  Room s(true);
  s.session.responder = r.session.responder;
  auto refusing = create_options();
  refusing.answers = [](const forms::Form&) -> Result<forms::Answers> {
    return fail(ErrorKind::usage, "secret_on_command_line", "", "no");
  };
  auto stopped = s.create(refusing);
  REQUIRE_FALSE(stopped.has_value());
  CHECK(stopped.error().code == "secret_on_command_line");
  const auto cancelled = s.submitted();
  REQUIRE(cancelled.size() == 1);
  CHECK(cancelled[0].type == forms::FormType::cancel);
}

TEST_CASE("muc config: get_config refused to a non-owner (example 164); configure reads back") {
  asio::io_context io;
  test::RoomSession session{io.get_executor(), jid("wiccarocks@shakespeare.lit/laptop")};
  session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    return example_answer(iq, "xep0045-ex164-config-forbidden.xml");
  };
  auto form = test::run_coroutine<Result<forms::Form>>(
      io, [&] { return muc::get_config(session, k_config_room, 2s); });
  REQUIRE_FALSE(form.has_value());
  CHECK(form.error().kind == ErrorKind::remote);
  CHECK(form.error().condition == "forbidden");
  CHECK(form.error().message.find("not its owner") != std::string::npos);

  auto bad_room = test::run_coroutine<Result<forms::Form>>(
      io, [&] { return muc::get_config(session, jid("coven@chat.shakespeare.lit/x"), 2s); });
  REQUIRE_FALSE(bad_room.has_value());
  CHECK(bad_room.error().kind == ErrorKind::usage);

  int gets = 0;
  session.requests.clear();
  session.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    if (is_owner_get(iq))
      return example_answer(iq, ++gets == 1 ? "xep0045-ex165-config-form-owner.xml"
                                    : "xep0045-ex157-config-form.xml");
    return stanza::make_result(iq);
  };
  auto configured = test::run_coroutine<Result<muc::Configured>>(io, [&] {
    return muc::configure(session, k_config_room,
                          answers_of({{"muc#roomconfig_roomdesc", {""}}}), 2s);
  });
  REQUIRE_MESSAGE(configured.has_value(), why(configured));
  CHECK(session.requests.size() == 3);  // get, set, get
  REQUIRE(configured->after);
  CHECK(values(configured->submitted, muc::k_var_roomdesc) == std::vector<std::string>{""});
  CHECK_FALSE(configured->changes.empty());
}
