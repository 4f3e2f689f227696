// `xmpp muc` owner and moderator subcommands (create, config, destroy, invite, affiliation,
// role): the argument checks (exit 64/66 before any login), the reports' JSON keys and human
// text, and each command end to end over a scripted room (XEP-0045 §7.8.2, §8.2, §9, §10).
#include <doctest/doctest.h>

#include <sstream>
#include <variant>

#include "app.hpp"
#include "cli_support.hpp"
#include "muc_admin_cmds.hpp"
#include "muc_admin_report.hpp"
#include "stanza/iq.hpp"
#include "stanza/error.hpp"
#include "stanza/presence.hpp"
#include "xep/muc/admin.hpp"
#include "xep/muc/config.hpp"
#include "xep_fake_session.hpp"
#include "xep_muc_fake.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::string_view k_admin_room = "coven@chat.example.test";

using test::human;

using test::keys;

/// The owner form of the scripted room: name, persistence, a secret.
std::string config_form(const std::string& name, bool persistent) {
  return "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
         "type='form'><title>Configuration</title>"
         "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/"
         "muc#roomconfig</value></field>"
         "<field var='muc#roomconfig_roomname' type='text-single' label='Name'><value>" +
         name +
         "</value></field>"
         "<field var='muc#roomconfig_persistentroom' type='boolean'><value>" +
         (persistent ? "1" : "0") +
         "</value></field>"
         "<field var='muc#roomconfig_membersonly' type='boolean'><value>0</value></field>"
         "<field var='muc#roomconfig_roomsecret' type='text-private'/>"
         "</x></query>";
}

/// A scripted room behind a fake session, and the whole program run against it.
struct AdminHarness {
  std::ostringstream out, err;
  std::unique_ptr<Io> io;
  test::RoomSession* session = nullptr;
  int opened = 0;
  bool room_is_new = false;
  std::string name = "Old";
  bool persistent = false;
  std::vector<xml::Element> requests;  ///< every iq the room got
  std::vector<xml::Element> sent;      ///< every presence and message
  std::set<std::string> refused_lists;  ///< affiliation lists answered with forbidden

  std::vector<xml::Element> room_script(const xml::Element& s) {
    sent.push_back(s);
    if (!stanza::is_presence(s)) return {};
    const std::string to = s.attr("to").value_or("");
    const std::string me = "bob@example.test/fake";
    if (s.attr("type") == "unavailable")
      return {test::parse_stanza(
          "<presence type='unavailable' from='" + to + "' to='" + me +
          "'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' "
          "role='none'/><status code='110'/></x></presence>")};
    return {test::parse_stanza(
        "<presence from='" + to + "' to='" + me +
        "'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' "
        "role='moderator'/><status code='110'/>" +
        (room_is_new ? "<status code='201'/>" : "") + "</x></presence>")};
  }

  std::optional<xml::Element> answer(const xml::Element& iq) {
    requests.push_back(iq);
    if (const auto* owner = iq.child("query", muc::k_ns_owner)) {
      if (iq.attr("type") == "get")
        return stanza::make_result(iq, test::parse_stanza(config_form(name, persistent)));
      if (auto form = muc::parse_config_submit(iq); form && form->type == forms::FormType::submit) {
        if (const auto* f = form->field(muc::k_var_roomname); f && !f->values.empty())
          name = f->values[0];
        if (auto p = muc::boolean_value(*form, muc::k_var_persistent)) persistent = *p;
      }
      (void)owner;
      return stanza::make_result(iq);
    }
    if (const auto* admin = iq.child("query", muc::k_ns_admin)) {
      if (iq.attr("type") == "set") return stanza::make_result(iq);
      const auto* item = admin->child("item", muc::k_ns_admin);
      const std::string affiliation = item ? item->attr("affiliation").value_or("") : "";
      if (refused_lists.count(affiliation))
        return stanza::make_error_reply(iq, stanza::make_stanza_error("forbidden"));
      return stanza::make_result(
          iq, test::parse_stanza("<query xmlns='http://jabber.org/protocol/muc#admin'><item "
                                 "affiliation='" +
                                 affiliation + "' jid='crone1@example.test' nick='crone'/>"
                                               "</query>"));
    }
    return std::nullopt;
  }

  int run(std::vector<std::string> args) {
    io = std::make_unique<Io>(Io{
        out, err,
        [](std::string_view) -> Result<std::optional<Secret>> { return std::optional<Secret>{}; },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          auto executor = co_await asio::this_coro::executor;
          ++opened;
          auto s = std::make_unique<test::RoomSession>(executor, o.jid.with_resource("fake"));
          s->script = [this](const xml::Element& e) { return room_script(e); };
          s->responder = [this](const xml::Element& iq) { return answer(iq); };
          session = s.get();
          co_return std::unique_ptr<stream::Session>(std::move(s));
        },
        false});
    Environment env;
    env.password = "pw";
    args.insert(args.begin(), {"-j", "bob@example.test", "--timeout", "3"});
    return cli::run_main(args, env, *io);
  }

  Json json() const { return Json::parse(out.str()); }
};

}  // namespace

// ---- arguments ---------------------------------------------------------------------------------

TEST_CASE("muc admin arguments: usage errors before any login (exit 64, 66)") {
  const std::vector<std::vector<std::string>> bad{
      {"muc", "create", "coven@chat.example.test/nick"},
      {"muc", "config", "chat.example.test"},
      {"muc", "affiliation", std::string(k_admin_room), "bob@example.test"},
      {"muc", "affiliation", std::string(k_admin_room), "bob@example.test", "king"},
      {"muc", "affiliation", std::string(k_admin_room), "bob@example.test/res", "member"},
      {"muc", "affiliation", std::string(k_admin_room), "bob@example.test", "member", "--list",
       "owner"},
      {"muc", "role", std::string(k_admin_room), "nick", "king"},
      {"muc", "config", std::string(k_admin_room), "--set", "novalue"},
      {"muc", "destroy", std::string(k_admin_room), "--alternate", "chat.example.test"},
      {"muc", "create", std::string(k_admin_room), "--public", "--hidden"},
      {"muc", "invite", std::string(k_admin_room)},
  };
  for (const auto& args : bad) {
    AdminHarness h;
    CHECK_MESSAGE(h.run(args) == 64, args.back());
    CHECK(h.opened == 0);
  }
  AdminHarness missing;
  CHECK(missing.run({"muc", "config", std::string(k_admin_room), "--set",
                     "muc#roomconfig_roomdesc=@/nonexistent/file"}) == 66);
  CHECK(missing.opened == 0);
}

TEST_CASE("muc admin plan: answers only when something is set; secrets only from files") {
  MucAdminArgs args;
  args.action = "config";
  args.room = std::string(k_admin_room);
  auto plan = plan_muc_admin(args);
  REQUIRE(plan.has_value());
  CHECK_FALSE(plan->answers);

  auto form = muc::parse_config_form(test::parse_stanza(
      "<iq type='result' id='1'>" + config_form("Old", false) + "</iq>"));
  REQUIRE(form.has_value());
  args.sets = {"muc#roomconfig_roomsecret=plain"};
  plan = plan_muc_admin(args);
  REQUIRE(plan.has_value());
  REQUIRE(plan->answers);
  auto refused = plan->answers(*form);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "secret_on_command_line");

  test::TempDir dir;
  args.sets = {"muc#roomconfig_roomsecret=@" + dir.write("secret", "s3cret\n"),
               "muc#roomconfig_roomname=Set"};
  args.name = "Short";
  args.persistent = true;
  plan = plan_muc_admin(args);
  REQUIRE(plan.has_value());
  auto answers = plan->answers(*form);
  REQUIRE(answers.has_value());
  // The shorthands first, --set over them.
  const forms::Answers expected{{"muc#roomconfig_roomname", {"Set"}},
                                {"muc#roomconfig_persistentroom", {"1"}},
                                {"muc#roomconfig_roomsecret", {"s3cret"}}};
  CHECK(*answers == expected);

  MucAdminArgs aff;
  aff.action = "affiliation";
  aff.room = std::string(k_admin_room);
  auto all = plan_muc_admin(aff);
  REQUIRE(all.has_value());
  CHECK(all->lists.size() == 4);
  aff.list = "outcast";
  auto one = plan_muc_admin(aff);
  REQUIRE(one.has_value());
  CHECK(one->lists == std::vector<muc::Affiliation>{muc::Affiliation::outcast});
}

// ---- reports -----------------------------------------------------------------------------------

TEST_CASE("muc admin reports: JSON keys and human text") {
  MucCreateReport create;
  create.room = std::string(k_admin_room);
  create.created = true;
  create.persistent = false;
  create.changes = {{"muc#roomconfig_roomname", std::string("Name"), {}, {"Cave"}, false},
                    {"muc#roomconfig_roomsecret", std::nullopt, {}, {}, true}};
  const auto doc = create.to_json();
  CHECK(keys(doc) == std::vector<std::string>{"room", "created", "instant", "persistent",
                                              "changes"});
  CHECK(keys(doc["changes"][0]) ==
        std::vector<std::string>{"var", "label", "before", "after", "secret"});
  CHECK(doc["changes"][1]["secret"] == true);
  const auto text = human(create);
  CHECK(text.find("created room coven@chat.example.test\n") == 0);
  CHECK(text.find("muc#roomconfig_roomname: (empty) -> Cave") != std::string::npos);
  CHECK(text.find("(secret changed)") != std::string::npos);
  CHECK(text.find("temporary") != std::string::npos);

  MucConfigChangeReport change;
  change.room = std::string(k_admin_room);
  change.changes = {{"v", std::nullopt, {"a\x1b"}, {"b"}, false}};
  CHECK(human(change).find("a\\x1b -> b") != std::string::npos);  // escaped (row 51)
  CHECK(keys(change.to_json()) == std::vector<std::string>{"room", "changes"});

  MucDestroyReport destroy;
  destroy.room = std::string(k_admin_room);
  CHECK(keys(destroy.to_json()) ==
        std::vector<std::string>{"room", "destroyed", "reason", "alternate"});
  MucInviteReport invite;
  invite.invited = {"a@b"};
  CHECK(keys(invite.to_json()) == std::vector<std::string>{"room", "kind", "invited", "reason"});
  CHECK(invite.to_json()["kind"] == "mediated");
  MucAffiliationSetReport set;
  CHECK(keys(set.to_json()) == std::vector<std::string>{"room", "jid", "affiliation", "reason"});
  MucRoleReport role;
  role.nick = "x";
  CHECK(keys(role.to_json()) == std::vector<std::string>{"room", "nick", "role", "reason"});
  CHECK(human(role).find("kicked x") == 0);

  MucAffiliationListReport lists;
  lists.room = std::string(k_admin_room);
  AffiliationList owners;
  owners.affiliation = muc::Affiliation::owner;
  owners.error = make_error(ErrorKind::remote, "stanza_error", "forbidden", "not allowed");
  lists.lists.push_back(owners);
  const auto ldoc = lists.to_json();
  CHECK(keys(ldoc["lists"][0]) == std::vector<std::string>{"affiliation", "items", "error"});
  CHECK(ldoc["lists"][0]["error"]["condition"] == "forbidden");
}

// ---- end to end over a scripted room -----------------------------------------------------------

TEST_CASE("muc create: instant room, reserved room with settings, existing room") {
  AdminHarness instant;
  instant.room_is_new = true;
  CHECK(instant.run({"--json", "muc", "create", std::string(k_admin_room)}) == 0);
  auto doc = instant.json();
  CHECK(doc["created"] == true);
  CHECK(doc["instant"] == true);
  CHECK(doc["persistent"] == false);

  AdminHarness reserved;
  reserved.room_is_new = true;
  CHECK(reserved.run({"--json", "muc", "create", std::string(k_admin_room), "--name", "Cave",
                      "--persistent"}) == 0);
  doc = reserved.json();
  CHECK(doc["instant"] == false);
  CHECK(doc["persistent"] == true);
  CHECK(reserved.name == "Cave");
  REQUIRE(doc["changes"].size() == 2);
  CHECK(doc["changes"][0]["after"][0] == "Cave");

  AdminHarness unknown;
  unknown.room_is_new = true;
  CHECK(unknown.run({"muc", "create", std::string(k_admin_room), "--set", "muc#bogus=1"}) == 65);
  CHECK(unknown.err.str().find("muc#roomconfig_roomname") != std::string::npos);

  AdminHarness exists;
  CHECK(exists.run({"--json", "muc", "create", std::string(k_admin_room)}) == 1);
  CHECK(exists.err.str().find(R"("condition":"conflict")") != std::string::npos);
  AdminHarness ok;
  CHECK(ok.run({"--json", "muc", "create", std::string(k_admin_room), "--exist-ok"}) == 0);
  CHECK(ok.json()["created"] == false);
}

TEST_CASE("muc config: the form without changes; the changes with --set") {
  AdminHarness show;
  CHECK(show.run({"--json", "muc", "config", std::string(k_admin_room)}) == 0);
  auto doc = show.json();
  CHECK(doc["room"] == std::string(k_admin_room));
  CHECK(doc["form"]["fields"].size() == 5);
  AdminHarness set;
  CHECK(set.run({"muc", "config", std::string(k_admin_room), "--set", "muc#roomconfig_roomname=New",
                 "--members-only"}) == 0);
  CHECK(set.out.str().find("muc#roomconfig_roomname: Old -> New") != std::string::npos);
  CHECK(set.sent.empty());  // no join for the owner form (§10.2)
}

TEST_CASE("muc destroy, invite, affiliation, role") {
  AdminHarness destroy;
  CHECK(destroy.run({"--json", "muc", "destroy", std::string(k_admin_room), "--reason", "done",
                     "--alternate", "new@chat.example.test"}) == 0);
  CHECK(destroy.json()["alternate"] == "new@chat.example.test");
  REQUIRE(destroy.requests.size() == 1);
  auto request = muc::parse_destroy_request(destroy.requests[0]);
  REQUIRE(request);
  CHECK(request->reason == "done");

  AdminHarness mediated;
  CHECK(mediated.run({"--json", "muc", "invite", std::string(k_admin_room), "alice@example.test",
                      "carol@example.test"}) == 0);
  CHECK(mediated.json()["invited"].size() == 2);
  // Joined, one invitation message to the room, left.
  REQUIRE(mediated.sent.size() == 3);
  CHECK(mediated.sent[1].attr("to") == std::string(k_admin_room));
  AdminHarness direct;
  CHECK(direct.run({"--json", "muc", "invite", std::string(k_admin_room), "alice@example.test",
                    "--direct"}) == 0);
  CHECK(direct.json()["kind"] == "direct");
  REQUIRE(direct.sent.size() == 1);
  CHECK(direct.sent[0].attr("to") == "alice@example.test");

  AdminHarness lists;
  lists.refused_lists = {"owner", "admin"};
  CHECK(lists.run({"--json", "muc", "affiliation", std::string(k_admin_room)}) == 1);
  auto doc = lists.json();
  REQUIRE(doc["lists"].size() == 4);
  CHECK(doc["lists"][0]["error"]["condition"] == "forbidden");
  CHECK(doc["lists"][2]["items"][0]["jid"] == "crone1@example.test");
  AdminHarness one;
  CHECK(one.run({"muc", "affiliation", std::string(k_admin_room), "--list", "member"}) == 0);
  CHECK(one.out.str().find("member (1):\n  crone1@example.test  nick crone") == 0);
  AdminHarness set;
  CHECK(set.run({"--json", "muc", "affiliation", std::string(k_admin_room), "bob2@example.test",
                 "member", "--reason", "welcome"}) == 0);
  REQUIRE(set.requests.size() == 1);
  auto items = muc::parse_admin_items(set.requests[0]);
  REQUIRE(items.has_value());
  REQUIRE(items->size() == 1);
  CHECK((*items)[0].affiliation == muc::Affiliation::member);

  AdminHarness kick;
  CHECK(kick.run({"--json", "muc", "role", std::string(k_admin_room), "pistol", "none", "--nick",
                  "boss"}) == 0);
  CHECK(kick.json()["role"] == "none");
  REQUIRE(kick.sent.size() == 2);  // join as boss, leave
  CHECK(kick.sent[0].attr("to") == std::string(k_admin_room) + "/boss");
  REQUIRE(kick.requests.size() == 1);
  auto role = muc::parse_admin_items(kick.requests[0]);
  REQUIRE(role.has_value());
  CHECK((*role)[0].nick == "pistol");
}
