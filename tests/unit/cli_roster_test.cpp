// `xmpp roster`: the roster file (export format, `list --json` output, cache), the reports' JSON and
// human text, and the command end to end over a fake session holding a roster (usage errors
// before any login, add/set/remove, the versioning cache, import plans and --dry-run).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <variant>

#include <fmt/format.h>

#include "app.hpp"
#include "cli_support.hpp"
#include "roster_file.hpp"
#include "roster_report.hpp"
#include "stanza/iq.hpp"
#include "test_jid.hpp"
#include "xep/roster/roster.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace xmpp::cli;
using Json = nlohmann::ordered_json;

namespace {

using test::jid;

roster::Item item(std::string_view j, std::optional<std::string> name,
                  roster::SubscriptionState sub, std::vector<std::string> groups = {}) {
  roster::Item i;
  i.jid = jid(j);
  i.name = std::move(name);
  i.subscription = sub;
  i.groups = std::move(groups);
  return i;
}

using test::human;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("roster file: export then read gives the items back; list --json output is accepted") {
  roster::Roster r;
  r.items = {item("bob@example.test", "Bob", roster::SubscriptionState::both, {"Friends", "Work"}),
             item("carol@example.test", std::nullopt, roster::SubscriptionState::to)};
  const auto doc = roster_export_json(jid("alice@example.test/res"), r);
  CHECK(doc["format"] == "xmpp-roster");
  CHECK(doc["version"] == 1);
  CHECK(doc["account"] == "alice@example.test");
  CHECK(doc["items"][0] ==
        Json::parse(R"({"jid":"bob@example.test","name":"Bob","groups":["Friends","Work"],)"
                    R"("subscription":"both"})"));
  CHECK(doc["items"][1]["name"].is_null());
  auto back = parse_roster_file(doc.dump(), "test");
  REQUIRE(back.has_value());
  CHECK(back->items == r.items);

  RosterListReport list;
  list.roster = r;
  auto again = parse_roster_file(list.to_json().dump(), "list");
  REQUIRE(again.has_value());
  CHECK(again->items == r.items);
}

TEST_CASE("roster file: what is wrong is named, as a data error") {
  const auto problem = [](std::string_view text) {
    auto r = parse_roster_file(text, "f.json");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::data);
    CHECK(r.error().code == "bad_roster_file");
    return r.error().message;
  };
  CHECK(problem("not json") == "f.json: not a JSON document");
  CHECK(problem("[]") == "f.json: not a JSON object");
  CHECK(problem("{}") == "f.json: no \"items\" array");
  CHECK(problem(R"({"format":"other","items":[]})").find("\"format\"") != std::string::npos);
  CHECK(problem(R"({"format":"xmpp-roster","version":2,"items":[]})").find("newer") !=
        std::string::npos);
  CHECK(problem(R"({"items":[{"name":"x"}]})") == "f.json: item 1: no \"jid\" string");
  CHECK(problem(R"({"items":[{"jid":"a@b"},{"jid":"@@"}]})").find("item 2: \"jid\"") !=
        std::string::npos);
  CHECK(problem(R"({"items":[{"jid":"a@b/r"}]})").find("not a bare JID") != std::string::npos);
  CHECK(problem(R"({"items":[{"jid":"a@b","groups":"g"}]})").find("\"groups\"") !=
        std::string::npos);
  CHECK(problem(R"({"items":[{"jid":"a@b","subscription":"remove"}]})").find("subscription") !=
        std::string::npos);
}

TEST_CASE("roster cache: saved 0600 in a 0700 directory, read back with its version") {
  test::TempDir dir;
  const auto path = roster_cache_path(dir.path() + "/xmpp", jid("alice@example.test/x"));
  CHECK(path == dir.path() + "/xmpp/roster/alice@example.test.json");
  roster::Roster r;
  r.version = "v7";
  r.items = {item("bob@example.test", "Bob", roster::SubscriptionState::none)};
  r.items[0].ask = true;
  REQUIRE(save_roster_cache(path, jid("alice@example.test"), r).has_value());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir.path() + "/xmpp/roster").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  auto back = load_roster_cache(path);
  REQUIRE(back.has_value());
  CHECK(*back == r);
  CHECK_FALSE(load_roster_cache(dir.file("missing.json")).has_value());
  dir.write("junk.json", "{");
  CHECK_FALSE(load_roster_cache(dir.file("junk.json")).has_value());
}

TEST_CASE("list report: JSON with presence, aligned human lines, remote text escaped") {
  RosterListReport report;
  report.roster.items = {
      item("bob@example.test", "Bob", roster::SubscriptionState::both, {"Friends"}),
      item("carol@example.test", "Ca\x1b[31m", roster::SubscriptionState::none)};
  report.roster.items[1].ask = true;
  report.roster.version = "3";
  roster::PresenceSnapshot snapshot;
  snapshot.available["bob@example.test"] = {{"laptop", "away", std::string("lunch"), 5}};
  report.presence = snapshot;
  const auto json = report.to_json();
  CHECK(json["version"] == "3");
  CHECK(json["items"][0]["presence"] ==
        Json::parse(R"([{"resource":"laptop","show":"away","status":"lunch","priority":5}])"));
  CHECK(json["items"][1]["presence"] == Json::array());
  CHECK(json["items"][1]["ask"] == true);
  CHECK(human(report) == "bob@example.test    Bob         both          Friends\n"
                         "  laptop  away  priority 5  lunch\n"
                         "carol@example.test  Ca\\x1b[31m  none (asked)\n"
                         "  offline\n");
}

TEST_CASE("change, subscription, pending and import reports") {
  RosterChangeReport added;
  added.jid = "bob@example.test";
  added.action = "add";
  added.item = item("bob@example.test", "Bob", roster::SubscriptionState::none);
  added.subscription_requested = true;
  CHECK(added.to_json()["subscription_requested"] == true);
  CHECK(added.to_json()["item"]["name"] == "Bob");
  CHECK(human(added) == "added bob@example.test: Bob, none\n"
                        "subscription request sent to bob@example.test\n");
  RosterChangeReport removed;
  removed.jid = "bob@example.test";
  removed.action = "remove";
  CHECK(removed.to_json() == Json::parse(R"({"jid":"bob@example.test","action":"remove"})"));

  SubscriptionReport approve;
  approve.jid = "bob@example.test";
  approve.action = roster::SubscriptionAction::approve;
  approve.preapproval = true;
  approve.after = item("bob@example.test", std::nullopt, roster::SubscriptionState::none);
  CHECK(approve.to_json()["before"].is_null());
  CHECK(approve.to_json()["action"] == "approve");
  CHECK(approve.to_json()["preapproval"] == true);
  CHECK(human(approve) == "pre-approved bob@example.test (now: none)\n");

  PendingReport pending;
  pending.pending = {{jid("dave@example.test"), std::string("hi"), std::string("Dave")}};
  CHECK(pending.to_json() ==
        Json::parse(R"({"pending":[{"jid":"dave@example.test","status":"hi","nick":"Dave"}]})"));
  CHECK(human(pending) == "dave@example.test  [Dave]  hi\n");

  ImportReport import;
  import.added = {"a@x"};
  import.unchanged = 2;
  import.dry_run = true;
  CHECK(import.to_json() == Json::parse(R"({"added":["a@x"],"updated":[],"removed":[],)"
                                        R"("subscribed":[],"unchanged":2,"dry_run":true})"));
  CHECK(human(import).find("+ a@x (would be added)") != std::string::npos);
}

namespace {

/// A server-side roster answering jabber:iq:roster get and set, with versioning when asked.
struct RosterServer {
  std::vector<roster::Item> items;
  int version = 1;
  bool versioning = false;
  bool remove_missing_succeeds = false;  ///< ejabberd 23.01: removing a missing item is a success
  int removes = 0;                       ///< remove sets received
  std::vector<std::string> gets_ver;  ///< the 'ver' of each get ("-" = none)

  std::optional<xml::Element> answer(const xml::Element& iq) {
    const auto* query = iq.child("query", roster::k_ns);
    if (!query) return stanza::make_result(iq);  // the round trip after an empty result
    if (iq.attr("type") == "get") {
      const auto ver = query->attr("ver");
      gets_ver.push_back(ver ? std::string(*ver) : "-");
      if (versioning && ver && *ver == std::to_string(version)) return stanza::make_result(iq);
      std::string xml = fmt::format("<iq type='result' id='{}'><query xmlns='jabber:iq:roster'{}>",
                                    iq.attr("id").value_or(""),
                                    versioning ? fmt::format(" ver='{}'", version) : "");
      for (const auto& i : items) {
        xml += fmt::format("<item jid='{}' subscription='{}'{}>", i.jid.str(),
                           roster::to_string(i.subscription),
                           i.name ? fmt::format(" name='{}'", *i.name) : "");
        for (const auto& g : i.groups) xml += "<group>" + g + "</group>";
        xml += "</item>";
      }
      return test::parse_stanza(xml + "</query></iq>");
    }
    const auto* element = query->child("item", roster::k_ns);
    REQUIRE(element != nullptr);
    const auto who = jid(element->attr("jid").value_or(""));
    auto it = std::find_if(items.begin(), items.end(), [&](const auto& i) { return i.jid == who; });
    if (element->attr("subscription") == "remove") {
      ++removes;
      if (it == items.end())
        return remove_missing_succeeds
                   ? stanza::make_result(iq)
                   : stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
      items.erase(it);
    } else {
      roster::Item updated;
      updated.jid = who;
      if (auto name = element->attr("name")) updated.name = std::string(*name);
      for (const auto* g : element->children("group", roster::k_ns))
        updated.groups.push_back(g->text());
      if (it == items.end()) {
        items.push_back(updated);
      } else {
        updated.subscription = it->subscription;
        *it = updated;
      }
    }
    ++version;
    return stanza::make_result(iq);
  }
};

struct RosterHarness {
  std::ostringstream out, err;
  RosterServer server;
  stream::SessionInfo info;
  test::FakeSession::Log log;
  int opened = 0;
  std::optional<std::string> cache_home;
  Io io{out, err,
        [](std::string_view) -> Result<std::optional<Secret>> { return std::optional<Secret>{}; },
        [this](stream::SessionOptions o) -> awaitable<Result<std::unique_ptr<stream::Session>>> {
          auto executor = co_await asio::this_coro::executor;
          ++opened;
          struct Session : test::FakeSession {
            using FakeSession::FakeSession;
            stream::SessionInfo session_info;
            const stream::SessionInfo& info() const override { return session_info; }
          };
          auto s = std::make_unique<Session>(executor, o.jid.with_resource("fake"));
          s->session_info = info;
          s->responder = [this](const xml::Element& iq) { return server.answer(iq); };
          s->log = &log;
          co_return std::unique_ptr<stream::Session>(std::move(s));
        },
        false};

  int run(std::vector<std::string> args) {
    out.str("");
    err.str("");
    Environment env;
    env.password = "pw";
    env.xdg_cache_home = cache_home;
    args.insert(args.begin(), {"-j", "alice@example.test"});
    return cli::run_main(args, env, io);
  }
  Json json() const { return Json::parse(out.str()); }
};

}  // namespace

TEST_CASE("roster: usage errors and bad files stop before any login") {
  RosterHarness h;
  test::TempDir dir;
  CHECK(h.run({"roster", "add", "bob@example.test/phone"}) == 64);
  CHECK(h.err.str().find("bare JIDs") != std::string::npos);
  CHECK(h.run({"roster", "add", "not a jid"}) == 64);
  CHECK(h.run({"roster", "set", "bob@example.test", "--no-groups", "--group", "G"}) == 64);
  CHECK(h.run({"roster", "add", "bob@example.test", "--group", ""}) == 64);
  CHECK(h.run({"roster", "import"}) == 64);
  CHECK(h.run({"roster", "frobnicate"}) == 64);
  CHECK(h.run({"roster", "import", dir.file("missing.json")}) == 66);
  CHECK(h.run({"roster", "import", dir.write("bad.json", R"({"items":[{"jid":5}]})")}) == 65);
  CHECK(h.err.str().find("item 1") != std::string::npos);
  CHECK(h.opened == 0);
}

TEST_CASE("roster: `roster` alone lists; add, set and remove round-trip through the server") {
  RosterHarness h;
  CHECK(h.run({"roster", "--json"}) == 0);
  CHECK(h.json() == Json::parse(R"({"items":[],"version":null})"));
  CHECK(h.run({"roster", "add", "bob@example.test", "--name", "Bob", "--group", "Friends",
               "--json"}) == 0);
  CHECK(h.json()["item"] == Json::parse(R"({"jid":"bob@example.test","name":"Bob",)"
                                        R"("subscription":"none","ask":false,"approved":false,)"
                                        R"("groups":["Friends"]})"));
  CHECK(h.run({"roster", "add", "bob@example.test"}) == 1);
  CHECK(h.err.str().find("roster set") != std::string::npos);
  CHECK(h.run({"roster", "set", "bob@example.test", "--group", "Work", "--group", "Golf"}) == 0);
  REQUIRE(h.server.items.size() == 1);
  CHECK(h.server.items[0].name == "Bob");  // kept: --name was not given
  CHECK(h.server.items[0].groups == std::vector<std::string>{"Work", "Golf"});
  CHECK(h.run({"roster", "set", "bob@example.test", "--name", "", "--no-groups"}) == 0);
  CHECK_FALSE(h.server.items[0].name.has_value());
  CHECK(h.server.items[0].groups.empty());
  CHECK(h.run({"roster", "set", "carol@example.test", "--name", "C", "--json"}) == 1);
  CHECK(h.err.str().find("\"code\":\"not_in_roster\"") != std::string::npos);
  CHECK(h.run({"roster", "list"}) == 0);
  CHECK(h.out.str() == "bob@example.test  -  none\n");
  CHECK(h.run({"roster", "remove", "bob@example.test"}) == 0);
  CHECK(h.server.items.empty());
  CHECK(h.run({"roster", "remove", "bob@example.test", "--json"}) == 1);
  CHECK(h.err.str().find("item-not-found") != std::string::npos);
}

TEST_CASE("roster: remove of a missing item is item-not-found even where the server says success") {
  RosterHarness h;
  h.server.remove_missing_succeeds = true;
  h.server.items = {item("bob@example.test", "Bob", roster::SubscriptionState::both)};
  CHECK(h.run({"roster", "remove", "carol@example.test", "--json"}) == 1);
  CHECK(h.err.str().find("\"condition\":\"item-not-found\"") != std::string::npos);
  CHECK(h.err.str().find("carol@example.test is not in your roster") != std::string::npos);
  CHECK(h.server.removes == 0);  // checked against the fetched roster: nothing was sent
  CHECK(h.run({"roster", "remove", "bob@example.test"}) == 0);
  CHECK(h.server.removes == 1);
  CHECK(h.server.items.empty());
}

TEST_CASE("roster: with versioning offered, the next run sends the cached version") {
  RosterHarness h;
  test::TempDir dir;
  h.cache_home = dir.path();
  h.info.stream_features = {std::string(roster::k_ns_rosterver)};
  h.server.versioning = true;
  h.server.items = {item("bob@example.test", "Bob", roster::SubscriptionState::both)};
  CHECK(h.run({"roster", "list", "--json"}) == 0);
  const auto first = h.out.str();
  CHECK(h.run({"roster", "list", "--json"}) == 0);
  CHECK(h.out.str() == first);
  CHECK(h.server.gets_ver == std::vector<std::string>{"", "1"});
  CHECK(read_file(dir.path() + "/xmpp/roster/alice@example.test.json").find("\"roster_version\":\"1\"") !=
        std::string::npos);
}

TEST_CASE("roster import: the plan, --dry-run changes nothing, a second import changes nothing") {
  RosterHarness h;
  test::TempDir dir;
  h.server.items = {item("bob@example.test", "Bobby", roster::SubscriptionState::both),
                    item("old@example.test", std::nullopt, roster::SubscriptionState::none)};
  const auto file = dir.write(
      "r.json", R"({"format":"xmpp-roster","version":1,"items":[)"
                R"({"jid":"bob@example.test","name":"Bob","groups":["F"]},)"
                R"({"jid":"carol@example.test","name":"Carol","subscription":"both"}]})");
  CHECK(h.run({"roster", "import", file, "--prune", "--dry-run", "--json"}) == 0);
  CHECK(h.json() == Json::parse(R"({"added":["carol@example.test"],"updated":["bob@example.test"],)"
                                R"("removed":["old@example.test"],"subscribed":[],"unchanged":0,)"
                                R"("dry_run":true})"));
  CHECK(h.server.items.size() == 2);
  CHECK(h.server.items[0].name == "Bobby");
  CHECK(h.run({"roster", "import", file, "--prune"}) == 0);
  REQUIRE(h.server.items.size() == 2);
  CHECK(h.server.items[0].name == "Bob");
  CHECK(h.server.items[1].jid == jid("carol@example.test"));
  CHECK(h.run({"roster", "import", file, "--prune", "--json"}) == 0);
  CHECK(h.json()["unchanged"] == 2);
  CHECK(h.json()["added"].empty());
}

TEST_CASE("roster export: to a file (0600, indented) or to stdout") {
  RosterHarness h;
  test::TempDir dir;
  h.server.items = {item("bob@example.test", "Bob", roster::SubscriptionState::both, {"F"})};
  CHECK(h.run({"roster", "export", dir.file("out.json"), "--json"}) == 0);
  CHECK(h.json() == Json::parse(R"({"file":")" + dir.file("out.json") + R"(","items":1})"));
  CHECK(h.err.str().find("exported 1 items to") != std::string::npos);
  const auto text = read_file(dir.file("out.json"));
  CHECK(text.find("\n  \"format\": \"xmpp-roster\"") != std::string::npos);
  auto back = parse_roster_file(text, "out.json");
  REQUIRE(back.has_value());
  CHECK(back->items == h.server.items);
  CHECK(h.run({"roster", "export"}) == 0);
  CHECK(Json::parse(h.out.str())["items"][0]["name"] == "Bob");
  CHECK(h.run({"roster", "export", dir.path() + "/no/such/dir/x.json"}) == 73);
}
