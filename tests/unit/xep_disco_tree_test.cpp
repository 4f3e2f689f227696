// The `disco tree` walk (xep/disco/tree.hpp) against a fake directory of entities answering after
// chosen delays: depth limits, the concurrency bound (measured by the fake, never exceeded and
// reached when there is work), loops, duplicates, errors in place, the entities' own order, the
// entity cap, and a tree that does not depend on the order replies arrive in.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "xep/disco/tree.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace std::chrono;
using test::jid;

namespace {

struct Entry {
  std::vector<disco::Identity> identities;
  std::optional<std::string> info_error;  ///< a condition: the info query fails with it
  std::vector<std::pair<std::string, std::optional<std::string>>> items;  ///< (jid, node)
  std::optional<std::string> items_error;
  milliseconds delay{0};
};

std::string key(const std::string& j, const std::optional<std::string>& node) {
  return node ? j + "#" + *node : j;
}

Error remote(const std::string& condition) {
  return make_error(ErrorKind::remote, "stanza_error", condition, "the entity said " + condition);
}

/// A directory of entities keyed by "jid" or "jid#node"; an unknown entity answers item-not-found.
/// It measures the queries in flight and counts the queries per entity.
struct Directory {
  asio::io_context io;
  std::map<std::string, Entry> entries;
  std::size_t in_flight = 0;
  std::size_t max_in_flight = 0;
  std::map<std::string, int> info_queries, items_queries;
  std::vector<std::string> started;  ///< "info KEY" / "items KEY", in start order
  bool throw_on_items = false;

  // Not a conditional expression inside co_await: g++ 12 evaluates both of its arms there.
  milliseconds delay_of(std::map<std::string, Entry>::const_iterator it) const {
    if (it == entries.end()) return milliseconds(0);
    return it->second.delay;
  }

  awaitable<void> pause(milliseconds delay) {
    asio::steady_timer timer(io.get_executor());
    timer.expires_after(delay);
    co_await timer.async_wait(asio::use_awaitable);
  }

  // Stays in flight until the reply is due (a zero delay still yields to the executor once).
  awaitable<Result<disco::DiscoInfo>> info(Jid to, std::optional<std::string> node) {
    const auto k = key(to.str(), node);
    ++info_queries[k];
    started.push_back("info " + k);
    ++in_flight;
    max_in_flight = std::max(max_in_flight, in_flight);
    const auto it = entries.find(k);
    co_await pause(delay_of(it));
    --in_flight;
    if (it == entries.end()) co_return fail(remote("item-not-found"));
    if (it->second.info_error) co_return fail(remote(*it->second.info_error));
    disco::DiscoInfo result;
    result.node = node;
    result.identities = it->second.identities;
    result.features = {"http://jabber.org/protocol/disco#info"};
    co_return result;
  }

  awaitable<Result<disco::DiscoItems>> items(Jid to, std::optional<std::string> node) {
    const auto k = key(to.str(), node);
    ++items_queries[k];
    started.push_back("items " + k);
    ++in_flight;
    max_in_flight = std::max(max_in_flight, in_flight);
    const auto it = entries.find(k);
    co_await pause(delay_of(it));
    --in_flight;
    if (throw_on_items) throw std::logic_error("a bug in a query");
    if (it == entries.end()) co_return fail(remote("item-not-found"));
    if (it->second.items_error) co_return fail(remote(*it->second.items_error));
    disco::DiscoItems result;
    result.node = node;
    for (const auto& [j, n] : it->second.items)
      result.items.push_back(disco::DiscoItem{jid(j), n, "name of " + key(j, n)});
    co_return result;
  }

  disco::Tree walk(const std::string& root, disco::TreeOptions options,
                   std::optional<std::string> node = std::nullopt) {
    return test::run_coroutine<disco::Tree>(io, [&]() -> awaitable<disco::Tree> {
      return disco::walk_tree(
          jid(root), node,
          [this](Jid j, std::optional<std::string> n) { return info(std::move(j), std::move(n)); },
          [this](Jid j, std::optional<std::string> n) { return items(std::move(j), std::move(n)); },
          options);
    });
  }
};

/// One line per entity: indentation, key, mark, the info's first identity or its error, the
/// items' error; enough to compare two walks and to read a failure.
void dump(const disco::TreeEntity& e, std::ostringstream& out) {
  out << std::string(static_cast<std::size_t>(e.level) * 2, ' ') << key(e.jid.str(), e.node);
  if (e.mark != disco::TreeMark::walked) out << " (" << disco::to_string(e.mark) << ")";
  if (e.info && !e.info->identities.empty())
    out << " " << e.info->identities[0].category << "/" << e.info->identities[0].type;
  if (e.info_error) out << " info-error:" << e.info_error->condition;
  if (e.items_error) out << " items-error:" << e.items_error->condition;
  if (!e.items_asked) out << " .";
  out << "\n";
  for (const auto& c : e.children)
    dump(c, out);
}

std::string dump(const disco::Tree& tree) {
  std::ostringstream out;
  dump(tree.root, out);
  return out.str();
}

disco::Identity identity(std::string category, std::string type) {
  return disco::Identity{std::move(category), std::move(type), std::nullopt, std::nullopt};
}

/// a.test lists b and c; b lists d; c lists e; d lists f (four levels below a).
void chain(Directory& d) {
  d.entries["a.test"] = {{identity("server", "im")}, {}, {{"b.test", {}}, {"c.test", {}}}, {}, {}};
  d.entries["b.test"] = {{identity("conference", "text")}, {}, {{"d.test", {}}}, {}, {}};
  d.entries["c.test"] = {{identity("pubsub", "service")}, {}, {{"e.test", {}}}, {}, {}};
  d.entries["d.test"] = {{identity("store", "file")}, {}, {{"f.test", {}}}, {}, {}};
  d.entries["e.test"] = {{identity("proxy", "bytestreams")}, {}, {}, {}, {}};
  d.entries["f.test"] = {{identity("client", "pc")}, {}, {}, {}, {}};
}

}  // namespace

TEST_CASE("depth 0: the root's info only") {
  Directory d;
  chain(d);
  const auto tree = d.walk("a.test", {0, 8, 10000});
  CHECK(dump(tree) == "a.test server/im .\n");
  CHECK(tree.summary.queries == 1);
  CHECK(tree.summary.entities == 1);
  CHECK(tree.summary.walked == 1);
  CHECK(d.items_queries.empty());
}

TEST_CASE("depth 1: the root's items get their info, not their items") {
  Directory d;
  chain(d);
  const auto tree = d.walk("a.test", {1, 8, 10000});
  CHECK(dump(tree) == "a.test server/im\n"
                      "  b.test conference/text .\n"
                      "  c.test pubsub/service .\n");
  CHECK(tree.summary.queries == 4);
  CHECK(d.items_queries.size() == 1);
  CHECK(tree.root.children[0].name == "name of b.test");
  CHECK_FALSE(tree.root.name.has_value());
  CHECK(tree.root.children[1].level == 1);
}

TEST_CASE("depth 2 and 3: each level's items below the last one are info only") {
  Directory d;
  chain(d);
  CHECK(dump(d.walk("a.test", {2, 8, 10000})) == "a.test server/im\n"
                                                 "  b.test conference/text\n"
                                                 "    d.test store/file .\n"
                                                 "  c.test pubsub/service\n"
                                                 "    e.test proxy/bytestreams .\n");
  Directory d3;
  chain(d3);
  const auto tree = d3.walk("a.test", {3, 8, 10000});
  CHECK(dump(tree) == "a.test server/im\n"
                      "  b.test conference/text\n"
                      "    d.test store/file\n"
                      "      f.test client/pc .\n"
                      "  c.test pubsub/service\n"
                      "    e.test proxy/bytestreams\n");
  CHECK(tree.summary.entities == 6);
  CHECK(tree.summary.queries == 6 + 5);  // every info, and items of all but f
  CHECK(tree.summary.errors == 0);
  // e is above the last level: its items were asked (and it has none).
  CHECK(tree.root.children[1].children[0].items_asked);
  CHECK(tree.root.children[1].children[0].children.empty());
}

TEST_CASE("breadth-first: a level's queries all start before the next level's") {
  Directory d;
  chain(d);
  d.entries["b.test"].delay = milliseconds(30);
  (void)d.walk("a.test", {2, 8, 10000});
  const auto position = [&](const std::string& what) {
    return std::find(d.started.begin(), d.started.end(), what) - d.started.begin();
  };
  CHECK(position("info a.test") == 0);
  CHECK(position("items a.test") == 1);
  CHECK(position("info c.test") < position("info d.test"));
  CHECK(position("items c.test") < position("info d.test"));
}

TEST_CASE("concurrency: never more than K in flight, and K reached when there is enough work") {
  for (const std::size_t k : {std::size_t{1}, std::size_t{3}, std::size_t{8}}) {
    CAPTURE(k);
    Directory d;
    Entry root{{identity("server", "im")}, {}, {}, {}, {}};
    for (int i = 0; i < 20; ++i) {
      const auto name = "c" + std::to_string(i) + ".test";
      root.items.push_back({name, std::nullopt});
      d.entries[name] = {{identity("component", "generic")}, {}, {}, {}, milliseconds(5 + i % 3)};
    }
    d.entries["a.test"] = root;
    const auto tree = d.walk("a.test", {2, k, 10000});
    CHECK(d.max_in_flight == k);
    CHECK(tree.summary.max_in_flight == k);
    CHECK(tree.summary.queries == 2 + 40);
    CHECK(tree.root.children.size() == 20);
  }
}

TEST_CASE("concurrency: K above the work available is not exceeded by it") {
  Directory d;
  chain(d);
  const auto tree = d.walk("a.test", {1, 64, 10000});
  CHECK(d.max_in_flight == 2);  // root info and items, then two infos
  CHECK(tree.summary.max_in_flight == 2);
}

TEST_CASE("loops: an item that is the entity itself or an ancestor is marked and not asked") {
  Directory d;
  d.entries["a.test"] = {{identity("server", "im")}, {}, {{"a.test", {}}, {"b.test", {}}}, {}, {}};
  d.entries["b.test"] = {{identity("component", "generic")},
                         {},
                         {{"a.test", {}}, {"b.test", {}}, {"b.test", "n"}},
                         {},
                         {}};
  d.entries["b.test#n"] = {{identity("hierarchy", "leaf")}, {}, {{"b.test", "n"}}, {}, {}};
  const auto tree = d.walk("a.test", {5, 4, 10000});
  CHECK(dump(tree) == "a.test server/im\n"
                      "  a.test (loop) .\n"
                      "  b.test component/generic\n"
                      "    a.test (loop) .\n"
                      "    b.test (loop) .\n"
                      "    b.test#n hierarchy/leaf\n"
                      "      b.test#n (loop) .\n");
  CHECK(tree.summary.loops == 4);
  CHECK(tree.summary.walked == 3);
  CHECK(tree.summary.entities == 7);
  CHECK(d.info_queries["a.test"] == 1);
  CHECK(d.items_queries["a.test"] == 1);
  CHECK(d.info_queries["b.test"] == 1);
  CHECK(d.info_queries["b.test#n"] == 1);
  CHECK_FALSE(tree.root.children[0].info.has_value());
  CHECK_FALSE(tree.root.children[0].info_error.has_value());
}

TEST_CASE(
    "duplicates: the first occurrence in breadth-first order is walked, whatever replies first") {
  for (const bool slow_first : {false, true}) {
    CAPTURE(slow_first);
    Directory d;
    d.entries["a.test"] = {
        {identity("server", "im")}, {}, {{"b.test", {}}, {"c.test", {}}}, {}, {}};
    d.entries["b.test"] = {
        {identity("x", "b")}, {}, {{"shared.test", {}}}, {}, milliseconds(slow_first ? 40 : 0)};
    d.entries["c.test"] = {{identity("x", "c")}, {}, {{"shared.test", {}}, {"b.test", {}}}, {}, {}};
    d.entries["shared.test"] = {{identity("x", "shared")}, {}, {}, {}, {}};
    const auto tree = d.walk("a.test", {3, 8, 10000});
    CHECK(dump(tree) == "a.test server/im\n"
                        "  b.test x/b\n"
                        "    shared.test x/shared\n"
                        "  c.test x/c\n"
                        "    shared.test (duplicate) .\n"
                        "    b.test (duplicate) .\n");
    CHECK(d.info_queries["shared.test"] == 1);
    CHECK(d.items_queries["shared.test"] == 1);
    CHECK(d.info_queries["b.test"] == 1);
    CHECK(tree.summary.duplicates == 2);
  }
}

TEST_CASE("the same JID with another node, or with no node, is another entity") {
  Directory d;
  d.entries["a.test"] = {{identity("server", "im")},
                         {},
                         {{"a.test", "n1"}, {"a.test", "n2"}, {"a.test", ""}, {"a.test", "n1"}},
                         {},
                         {}};
  d.entries["a.test#n1"] = {{identity("leaf", "1")}, {}, {}, {}, {}};
  d.entries["a.test#n2"] = {{identity("leaf", "2")}, {}, {}, {}, {}};
  d.entries["a.test#"] = {{identity("leaf", "empty")}, {}, {}, {}, {}};
  CHECK(dump(d.walk("a.test", {1, 8, 10000})) == "a.test server/im\n"
                                                 "  a.test#n1 leaf/1 .\n"
                                                 "  a.test#n2 leaf/2 .\n"
                                                 "  a.test# leaf/empty .\n"
                                                 "  a.test#n1 (duplicate) .\n");
}

TEST_CASE("errors stay in place and the walk goes on") {
  Directory d;
  d.entries["a.test"] = {{identity("server", "im")},
                         {},
                         {{"b.test", {}}, {"missing.test", {}}, {"c.test", {}}, {"d.test", {}}},
                         {},
                         {}};
  d.entries["b.test"] = {{}, "forbidden", {{"e.test", {}}}, {}, {}};  // info fails, items do not
  d.entries["c.test"] = {{identity("pubsub", "service")}, {}, {}, "not-authorized", {}};
  d.entries["d.test"] = {{identity("x", "d")}, {}, {{"f.test", {}}}, {}, {}};
  d.entries["e.test"] = {{identity("x", "e")}, {}, {}, {}, {}};
  d.entries["f.test"] = {{identity("x", "f")}, {}, {}, {}, {}};
  const auto tree = d.walk("a.test", {2, 2, 10000});
  CHECK(dump(tree) == "a.test server/im\n"
                      "  b.test info-error:forbidden\n"
                      "    e.test x/e .\n"
                      "  missing.test info-error:item-not-found items-error:item-not-found\n"
                      "  c.test pubsub/service items-error:not-authorized\n"
                      "  d.test x/d\n"
                      "    f.test x/f .\n");
  CHECK(tree.summary.errors == 4);
  CHECK(tree.root.children[1].info_error->kind == ErrorKind::remote);
  CHECK(tree.root.children[2].children.empty());
}

TEST_CASE("the root failing is reported on the root, the walk ends") {
  Directory d;
  const auto tree = d.walk("nosuch.test", {2, 8, 10000});
  CHECK(dump(tree) == "nosuch.test info-error:item-not-found items-error:item-not-found\n");
  CHECK(tree.summary.errors == 2);
  CHECK(tree.summary.entities == 1);
}

TEST_CASE("children keep the entity's order and the tree does not depend on reply timing") {
  std::string first;
  for (const int pattern : {0, 1, 2}) {
    CAPTURE(pattern);
    Directory d;
    Entry root{{identity("server", "im")}, {}, {}, {}, {}};
    for (int i = 0; i < 12; ++i) {
      const auto name = "c" + std::to_string(i) + ".test";
      root.items.push_back({name, std::nullopt});
      // pattern 0: all at once; 1: the first slowest; 2: scattered.
      const int delay = pattern == 0 ? 0 : pattern == 1 ? 24 - 2 * i : (i * 7) % 5 * 4;
      Entry child{{identity("x", std::to_string(i))}, {}, {}, {}, milliseconds(delay)};
      // Every child lists the next two and one that is listed by the root too.
      child.items = {{"g" + std::to_string(i) + ".test", {}},
                     {"g" + std::to_string((i + 1) % 12) + ".test", {}},
                     {"c" + std::to_string((i + 5) % 12) + ".test", {}}};
      d.entries[name] = child;
      d.entries["g" + std::to_string(i) + ".test"] = {
          {identity("g", std::to_string(i))}, {}, {}, {}, milliseconds(delay / 2)};
    }
    d.entries["a.test"] = root;
    const auto tree = d.walk("a.test", {3, 3, 10000});
    const auto text = dump(tree);
    CHECK(tree.root.children.size() == 12);
    for (std::size_t i = 0; i < tree.root.children.size(); ++i)
      CHECK(tree.root.children[i].jid.str() == "c" + std::to_string(i) + ".test");
    CHECK(tree.summary.walked == 1 + 12 + 12);
    CHECK(tree.summary.duplicates == 12 + 12);
    if (pattern == 0) {
      first = text;
      CHECK(text.find("    g1.test (duplicate)") != std::string::npos);
    } else {
      CHECK(text == first);
    }
  }
}

TEST_CASE("the entity cap: items beyond it are left out and counted") {
  Directory d;
  Entry root{{identity("server", "im")}, {}, {}, {}, {}};
  for (int i = 0; i < 10; ++i) {
    const auto name = "c" + std::to_string(i) + ".test";
    root.items.push_back({name, std::nullopt});
    d.entries[name] = {
        {identity("x", "y")}, {}, {{"leaf" + std::to_string(i) + ".test", {}}}, {}, {}};
  }
  d.entries["a.test"] = root;
  const auto tree = d.walk("a.test", {2, 4, 5});
  CHECK(tree.summary.entities == 5);
  CHECK(tree.root.children.size() == 4);
  CHECK(tree.summary.left_out == 6 + 4);  // six of the root's items, each walked child's one
  for (const auto& c : tree.root.children)
    CHECK(c.children.empty());
}

TEST_CASE("an exception from a query is rethrown after the queries in flight ended") {
  Directory d;
  chain(d);
  d.throw_on_items = true;
  asio::io_context& io = d.io;
  bool threw = false;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        try {
          (void)co_await disco::walk_tree(
              jid("a.test"), std::nullopt,
              [&](Jid j, std::optional<std::string> n) {
                return d.info(std::move(j), std::move(n));
              },
              [&](Jid j, std::optional<std::string> n) {
                return d.items(std::move(j), std::move(n));
              },
              disco::TreeOptions{});
        } catch (const std::logic_error&) {
          threw = true;
        }
      },
      asio::detached);
  io.run_for(seconds(10));
  CHECK(threw);
  CHECK(d.in_flight == 0);
}

TEST_CASE("TreeMark JSON spellings") {
  CHECK(disco::to_string(disco::TreeMark::walked) == "walked");
  CHECK(disco::to_string(disco::TreeMark::duplicate) == "duplicate");
  CHECK(disco::to_string(disco::TreeMark::loop) == "loop");
}
