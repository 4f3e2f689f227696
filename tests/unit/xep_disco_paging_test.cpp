// disco::items_all: every page of a disco#items result (XEP-0030 with XEP-0059 paging) over a
// scripted session: entities that do not page, that page with and without <count/>, that ignore
// <after/>, and errors and limits on the way.
#include <algorithm>

#include <doctest/doctest.h>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "xep/disco/disco.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep/rsm/rsm.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace std::chrono;
using test::jid;

namespace {

struct PagingFixture {
  asio::io_context io;
  test::FakeSession session{io.get_executor(), jid("romeo@montague.net/orchard")};

  Result<disco::DiscoItems> items_all(std::optional<std::string> node = std::nullopt,
                                      std::size_t max_pages = 1000) {
    return test::run_coroutine<Result<disco::DiscoItems>>(io, [&] {
      return disco::items_all(session, jid("conference.example.test"), node, seconds(5), max_pages);
    });
  }
};

/// An entity with `size` rooms that pages its disco#items like XEP-0059 §2.2: the UID of an item
/// is its JID, a request without <set/> (or without <max/>) gets `page_size` items.
struct PagingEntity {
  std::size_t size = 8;
  std::size_t page_size = 3;
  bool with_count = true;
  bool ignore_after = false;  ///< a broken entity: always answers with the first page
  std::optional<std::size_t> error_on_page;  ///< answer this page (1-based) with item-not-found
  std::size_t answered = 0;

  static std::string uid(std::size_t i) {
    return "room" + std::to_string(i) + "@conference.example.test";
  }

  std::optional<xml::Element> operator()(const xml::Element& iq) {
    ++answered;
    if (error_on_page == answered)
      return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
    const auto* query = iq.child("query", disco::k_ns_items);
    REQUIRE(query != nullptr);
    const auto request = rsm::parse_request(*query);
    std::size_t start = 0;
    if (request && request->after && !ignore_after) {
      std::size_t i = 0;
      while (i < size && uid(i) != *request->after)
        ++i;
      REQUIRE_MESSAGE(i < size, "unknown <after/> " << *request->after);
      start = i + 1;
    }
    const auto max = request && request->max ? *request->max : page_size;
    const auto end = std::min(size, start + max);
    disco::DiscoItems items;
    items.node = query->attr("node");
    for (auto i = start; i < end; ++i)
      items.items.push_back(disco::DiscoItem{jid(uid(i)), std::nullopt, std::nullopt});
    auto result = disco::make_items_result(iq, items);
    rsm::Page page;
    if (end > start) page = {uid(start), start, uid(end - 1), std::nullopt};
    if (with_count) page.count = size;
    result.child("query", disco::k_ns_items)->add_child(rsm::make_page(page));
    return result;
  }
};

/// The <set/> of a recorded request, or nullopt.
std::optional<rsm::Request> set_of(const xml::Element& request) {
  const auto* query = request.child("query", disco::k_ns_items);
  REQUIRE(query != nullptr);
  return rsm::parse_request(*query);
}

}  // namespace

TEST_CASE("items_all: an entity that does not page answers once, asked without <set/>") {
  PagingFixture f;
  f.session.responder = [](const xml::Element& iq) {
    // XEP-0030 example 12: eight items and no <set/>.
    auto result = test::example("xep0030-ex12-items-result.xml");
    result.set_attr("id", *iq.attr("id"));
    result.set_attr("from", *iq.attr("to"));
    return std::optional(std::move(result));
  };
  const auto all = f.items_all();
  REQUIRE(all.has_value());
  CHECK(all->items.size() == 8);
  CHECK(all->pages == 1);
  CHECK_FALSE(all->count.has_value());
  CHECK_FALSE(all->truncated);
  REQUIRE(f.session.requests.size() == 1);
  CHECK(disco::is_items_request(f.session.requests[0]));
  CHECK_FALSE(set_of(f.session.requests[0]).has_value());
}

TEST_CASE("items_all: three pages with <count/>, asked with <after/> = the previous <last/>") {
  PagingFixture f;
  PagingEntity entity;  // 8 items, 3 a page: 3 + 3 + 2
  f.session.responder = std::ref(entity);
  const auto all = f.items_all("rooms");
  REQUIRE(all.has_value());
  REQUIRE(all->items.size() == 8);
  for (std::size_t i = 0; i < 8; ++i)
    CHECK(all->items[i].jid == jid(PagingEntity::uid(i)));
  CHECK(all->pages == 3);
  CHECK(all->count == 8u);
  CHECK(all->node == "rooms");
  CHECK_FALSE(all->truncated);
  CHECK(all->skipped == 0);

  // <count/> was reached: no fourth request.
  REQUIRE(f.session.requests.size() == 3);
  CHECK_FALSE(set_of(f.session.requests[0]).has_value());
  CHECK(set_of(f.session.requests[1]) ==
        rsm::Request{3, PagingEntity::uid(2), std::nullopt, std::nullopt});
  CHECK(set_of(f.session.requests[2]) ==
        rsm::Request{3, PagingEntity::uid(5), std::nullopt, std::nullopt});
  for (const auto& request : f.session.requests) {
    CHECK(request.attr("to") == "conference.example.test");
    CHECK(request.child("query", disco::k_ns_items)->attr("node") == "rooms");
  }
}

TEST_CASE("items_all: without <count/>, pages are read until an empty one") {
  PagingFixture f;
  PagingEntity entity;
  entity.with_count = false;
  f.session.responder = std::ref(entity);
  const auto all = f.items_all();
  REQUIRE(all.has_value());
  CHECK(all->items.size() == 8);
  CHECK(all->items.back().jid == jid(PagingEntity::uid(7)));
  CHECK(all->pages == 4);  // 3 + 3 + 2 + the empty page that says the set ended
  CHECK_FALSE(all->count.has_value());
  CHECK_FALSE(all->truncated);
  REQUIRE(f.session.requests.size() == 4);
  CHECK(set_of(f.session.requests[3])->after == PagingEntity::uid(7));
}

TEST_CASE("items_all: a page with <count/> but no <last/> ends the walk (XEP-0059 example 16)") {
  PagingFixture f;
  f.session.responder = [](const xml::Element& iq) {
    disco::DiscoItems items;
    items.items = {disco::DiscoItem{jid("a.example.test"), std::nullopt, std::nullopt}};
    auto result = disco::make_items_result(iq, items);
    result.child("query", disco::k_ns_items)
        ->add_child(rsm::make_page({std::nullopt, std::nullopt, std::nullopt, 800}));
    return std::optional(std::move(result));
  };
  const auto all = f.items_all();
  REQUIRE(all.has_value());
  CHECK(all->items.size() == 1);
  CHECK(all->count == 800u);
  CHECK(all->pages == 1);
  CHECK(f.session.requests.size() == 1);
}

TEST_CASE("items_all: an entity that repeats the same <last/> is not asked forever") {
  PagingFixture f;
  PagingEntity entity;
  entity.ignore_after = true;
  f.session.responder = std::ref(entity);
  const auto all = f.items_all();
  REQUIRE(all.has_value());
  // The repeated page is not added twice.
  CHECK(all->items.size() == 3);
  CHECK(all->pages == 1);
  CHECK(all->truncated);
  CHECK(all->count == 8u);
  CHECK(f.session.requests.size() == 2);

  // Same without <count/>, where nothing else would stop the walk.
  PagingFixture g;
  PagingEntity endless;
  endless.ignore_after = true;
  endless.with_count = false;
  g.session.responder = std::ref(endless);
  const auto again = g.items_all();
  REQUIRE(again.has_value());
  CHECK(again->items.size() == 3);
  CHECK(again->truncated);
  CHECK(g.session.requests.size() == 2);
}

TEST_CASE("items_all: max_pages bounds the walk and says the result is truncated") {
  PagingFixture f;
  PagingEntity entity;
  entity.size = 30;
  f.session.responder = std::ref(entity);
  const auto all = f.items_all(std::nullopt, 4);
  REQUIRE(all.has_value());
  CHECK(all->items.size() == 12);
  CHECK(all->pages == 4);
  CHECK(all->count == 30u);
  CHECK(all->truncated);
  CHECK(f.session.requests.size() == 4);

  // Exactly enough pages is not truncated.
  PagingFixture g;
  PagingEntity small;
  small.size = 6;
  g.session.responder = std::ref(small);
  const auto exact = g.items_all(std::nullopt, 2);
  REQUIRE(exact.has_value());
  CHECK(exact->items.size() == 6);
  CHECK_FALSE(exact->truncated);
}

TEST_CASE("items_all: an error on page 2 fails the whole call, with its condition and page") {
  PagingFixture f;
  PagingEntity entity;
  entity.error_on_page = 2;
  f.session.responder = std::ref(entity);
  const auto all = f.items_all("n1");
  REQUIRE_FALSE(all.has_value());
  CHECK(all.error().kind == ErrorKind::remote);
  CHECK(all.error().condition == "item-not-found");
  CHECK(all.error().message.rfind("disco#items to conference.example.test node n1 (page 2): ", 0) ==
        0);
  CHECK(f.session.requests.size() == 2);

  // On the first page the context is the one of disco::items().
  PagingFixture g;
  PagingEntity first;
  first.error_on_page = 1;
  g.session.responder = std::ref(first);
  const auto none = g.items_all();
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message.rfind("disco#items to conference.example.test: item-not-found", 0) ==
        0);

  // A later page that never comes is a timeout.
  PagingFixture h;
  PagingEntity silent;
  h.session.responder = [&silent](const xml::Element& iq) -> std::optional<xml::Element> {
    if (set_of(iq)) return std::nullopt;
    return silent(iq);
  };
  const auto late = test::run_coroutine<Result<disco::DiscoItems>>(h.io, [&] {
    return disco::items_all(h.session, jid("conference.example.test"), std::nullopt,
                            milliseconds(30));
  });
  REQUIRE_FALSE(late.has_value());
  CHECK(late.error().kind == ErrorKind::temporary);
  CHECK(late.error().code == "timeout");
}

TEST_CASE("items_all: items with a bad jid are skipped and count towards <count/>") {
  PagingFixture f;
  PagingEntity entity;
  entity.size = 4;
  entity.page_size = 2;
  f.session.responder = [&entity](const xml::Element& iq) {
    auto result = entity(iq);
    // The entity's second item of each page is unusable (XEP-0030 §4.1 requires a valid jid).
    auto* query = result->child("query", disco::k_ns_items);
    auto& nodes = query->nodes();
    for (auto& n : nodes)
      if (!n.is_text() && n.element().name() == "item" &&
          (n.element().attr("jid") == PagingEntity::uid(1) ||
           n.element().attr("jid") == PagingEntity::uid(3)))
        n.element().set_attr("jid", "@bad");
    return result;
  };
  const auto all = f.items_all();
  REQUIRE(all.has_value());
  CHECK(all->items.size() == 2);
  CHECK(all->skipped == 2);
  CHECK(all->pages == 2);
  CHECK_FALSE(all->truncated);
  CHECK(f.session.requests.size() == 2);
}
