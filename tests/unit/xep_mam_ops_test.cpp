// XEP-0313 operations over a scripted session (no network), each under a deadline: paging forwards
// with RSM <after/> (§4.3.2) and backwards from the last page (§4.3.3), the archive's own page
// limit, results that are not ours (§8.2, SECURITY.md row 37), protocol violations, errors and the
// disco#info check (§7).
#include <doctest/doctest.h>

#include <functional>

#include "stanza/iq.hpp"
#include "xep/mam/mam_ops.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using namespace std::chrono;
using test::jid;

namespace {

struct MamFixture {
  asio::io_context io;
  test::FakeSession session{io.get_executor(), jid("alice@example.test/res1")};
};

/// An archive of messages m1..mN answering queries as a server does: the results go through the
/// session's router (as the reader would dispatch them), the <fin/> is the iq result.
struct FakeArchive {
  test::FakeSession& session;
  std::vector<mam::ArchivedMessage> items;
  std::optional<std::string> from;  ///< the results' 'from' (nullopt: none, our own server)
  std::size_t limit = 1000;         ///< the archive's own page limit (§4.3.1)
  std::vector<mam::Query> queries;  ///< every query received
  bool ignore_rsm = false;          ///< answer every query with the first page
  /// Send this many results more than asked for (after the page, or before it when paging back).
  std::size_t extra = 0;
  /// Called before the results of each query: inject other stanzas.
  std::function<void(const mam::Query&)> before_results;
  /// Replaces the <fin/> when set.
  std::function<void(mam::Fin&)> edit_fin;  ///< edits each <fin/> in place (g++ 12 -O2 warns on Fin returned by value)

  FakeArchive(test::FakeSession& s, std::size_t n) : session(s) {
    for (std::size_t i = 1; i <= n; ++i) {
      mam::ArchivedMessage m;
      m.id = "m" + std::to_string(i);
      m.stamp = time::Timestamp(seconds(1700000000 + i));
      xml::Element message("message", "jabber:client");
      message.set_attr("from", "bob@example.test/phone").set_attr("to", "alice@example.test");
      message.add_child(xml::Element("body", "jabber:client")).add_text("hello " + m.id);
      m.message = std::move(message);
      items.push_back(std::move(m));
    }
  }

  std::size_t index_of(const std::string& id) const {
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].id == id) return i;
    FAIL("unknown id " << id);
    return 0;
  }

  xml::Element result(const mam::ArchivedMessage& item, const std::string& queryid) const {
    auto m = mam::make_result(item, queryid);
    m.set_attr("to", session.jid().str());
    if (from) m.set_attr("from", *from);
    return m;
  }

  std::optional<xml::Element> operator()(const xml::Element& iq) {
    auto q = mam::parse_query(iq);
    REQUIRE_MESSAGE(q, (q ? "" : q.error().message));
    queries.push_back(*q);
    const auto page = ignore_rsm ? rsm::Request{} : q->page.value_or(rsm::Request{});
    const std::size_t max = std::min(page.max.value_or(limit), limit);
    const std::size_t n = items.size();
    std::size_t begin = 0;
    std::size_t end = n;
    if (page.before) {
      end = page.before->empty() ? n : index_of(*page.before);
      begin = end > max ? end - max : 0;
    } else {
      begin = page.after ? index_of(*page.after) + 1 : 0;
      end = std::min(n, begin + max);
    }
    if (before_results) before_results(*q);
    const std::size_t send_begin = page.before ? begin - std::min(begin, extra) : begin;
    const std::size_t send_end = page.before ? end : std::min(n, end + extra);
    for (std::size_t i = send_begin; i < send_end; ++i)
      session.router().dispatch(result(items[i], q->queryid));
    mam::Fin fin;
    fin.complete = page.before ? begin == 0 : end == n;
    rsm::Page set;
    set.count = n;
    if (begin < end) {
      set.first = items[begin].id;
      set.first_index = begin;
      set.last = items[end - 1].id;
    }
    fin.page = set;
    if (edit_fin) edit_fin(fin);
    return stanza::make_result(iq, mam::make_fin(fin));
  }
};

std::vector<std::string> ids(const mam::Archive& archive) {
  std::vector<std::string> out;
  for (const auto& m : archive.messages)
    out.push_back(m.id);
  return out;
}

std::vector<std::string> range(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i)
    out.push_back("m" + std::to_string(i));
  return out;
}

Result<mam::Archive> run_query(MamFixture& f, std::optional<Jid> archive, mam::Filter filter,
                               std::optional<std::size_t> max, std::size_t page_size) {
  return test::run_coroutine<Result<mam::Archive>>(
      f.io, [&] { return mam::query(f.session, archive, filter, max, seconds(5), page_size); });
}

Result<mam::Archive> run_last(MamFixture& f, std::optional<Jid> archive, std::size_t count,
                              std::size_t page_size) {
  return test::run_coroutine<Result<mam::Archive>>(f.io, [&] {
    return mam::last(f.session, archive, mam::Filter{}, count, seconds(5), page_size);
  });
}

}  // namespace

TEST_CASE("query: every page in turn (<after/> = the <fin/>'s <last/>) until complete") {
  MamFixture f;
  FakeArchive archive(f.session, 7);
  f.session.responder = std::ref(archive);
  mam::Filter filter;
  filter.start = time::Timestamp(seconds(1700000000));
  filter.with = jid("bob@example.test");
  const auto read = run_query(f, std::nullopt, filter, std::nullopt, 3);
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
  CHECK(ids(*read) == range(1, 7));
  CHECK(read->complete);
  CHECK(read->stable);
  CHECK(read->pages == 3);
  CHECK(read->count == 7u);
  CHECK(read->ignored == 0);
  CHECK(read->messages[0].body == "hello m1");
  CHECK(read->messages[0].from == jid("bob@example.test/phone"));
  CHECK(read->messages[0].stamp == time::Timestamp(seconds(1700000001)));

  REQUIRE(archive.queries.size() == 3);
  CHECK(archive.queries[0].page == rsm::Request{3, std::nullopt, std::nullopt, std::nullopt});
  CHECK(archive.queries[1].page == rsm::Request{3, "m3", std::nullopt, std::nullopt});
  CHECK(archive.queries[2].page == rsm::Request{3, "m6", std::nullopt, std::nullopt});
  for (const auto& q : archive.queries) {
    // The same filter on every page (§4.3.2: "re-send the same request").
    CHECK(q.filter == filter);
    CHECK(q.queryid.size() >= 16);
  }
  CHECK(archive.queries[0].queryid != archive.queries[1].queryid);
  // Our own archive: no 'to'.
  for (const auto& iq : f.session.requests) {
    CHECK_FALSE(iq.attr("to"));
    CHECK(iq.attr("type") == "set");
  }
}

TEST_CASE("query: stops at the maximum, asking only for what is still wanted") {
  MamFixture f;
  FakeArchive archive(f.session, 7);
  f.session.responder = std::ref(archive);
  const auto read = run_query(f, std::nullopt, {}, 5, 3);
  REQUIRE(read);
  CHECK(ids(*read) == range(1, 5));
  CHECK_FALSE(read->complete);
  REQUIRE(archive.queries.size() == 2);
  CHECK(archive.queries[0].page->max == 3u);
  CHECK(archive.queries[1].page->max == 2u);
  CHECK(archive.queries[1].page->after == "m3");

  // Exactly the size of the archive: the last page says complete.
  MamFixture g;
  FakeArchive all(g.session, 4);
  g.session.responder = std::ref(all);
  const auto exact = run_query(g, std::nullopt, {}, 4, 2);
  REQUIRE(exact);
  CHECK(ids(*exact) == range(1, 4));
  CHECK(exact->complete);

  // A maximum of 0 sends nothing.
  MamFixture h;
  h.session.responder = [](const xml::Element&) -> std::optional<xml::Element> {
    FAIL("no query expected");
    return std::nullopt;
  };
  const auto none = run_query(h, std::nullopt, {}, 0, 3);
  REQUIRE(none);
  CHECK(none->messages.empty());
  CHECK(h.session.requests.empty());
}

TEST_CASE("query: follows the archive's own smaller page limit (§4.3.1)") {
  MamFixture f;
  FakeArchive archive(f.session, 5);
  archive.limit = 2;
  f.session.responder = std::ref(archive);
  const auto read = run_query(f, std::nullopt, {}, std::nullopt, 100);
  REQUIRE(read);
  CHECK(ids(*read) == range(1, 5));
  CHECK(read->complete);
  CHECK(read->pages == 3);
  CHECK(archive.queries[0].page->max == 100u);
}

TEST_CASE("query: an empty archive is complete at once") {
  MamFixture f;
  FakeArchive archive(f.session, 0);
  f.session.responder = std::ref(archive);
  const auto read = run_query(f, jid("coven@chat.example.test"), {}, std::nullopt, 10);
  REQUIRE(read);
  CHECK(read->messages.empty());
  CHECK(read->complete);
  CHECK(read->count == 0u);
  CHECK(f.session.requests.at(0).attr("to") == "coven@chat.example.test");

  // Not marked complete, but an empty page without <first/>/<last/> (XEP-0059 §2.2): the end.
  MamFixture g;
  FakeArchive quiet(g.session, 0);
  quiet.edit_fin = [](mam::Fin& fin) { fin.complete = false; };
  g.session.responder = std::ref(quiet);
  const auto end = run_query(g, std::nullopt, {}, std::nullopt, 10);
  REQUIRE(end);
  CHECK(end->complete);
  CHECK(end->pages == 1);
}

TEST_CASE("last: the last page (<before/> empty), then older pages, reported oldest first") {
  MamFixture f;
  FakeArchive archive(f.session, 7);
  archive.from = "coven@chat.example.test";
  f.session.responder = std::ref(archive);
  const auto read = run_last(f, jid("coven@chat.example.test"), 5, 3);
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message));
  CHECK(ids(*read) == range(3, 7));
  CHECK_FALSE(read->complete);
  REQUIRE(archive.queries.size() == 2);
  CHECK(archive.queries[0].page == rsm::Request{3, std::nullopt, "", std::nullopt});
  CHECK(archive.queries[1].page == rsm::Request{2, std::nullopt, "m5", std::nullopt});
  CHECK(read->ignored == 0);

  // More than the archive holds: everything, complete.
  MamFixture g;
  FakeArchive small(g.session, 4);
  g.session.responder = std::ref(small);
  const auto all = run_last(g, std::nullopt, 10, 3);
  REQUIRE(all);
  CHECK(ids(*all) == range(1, 4));
  CHECK(all->complete);
  CHECK(all->pages == 2);

  // None asked for: nothing sent.
  MamFixture h;
  const auto none = run_last(h, std::nullopt, 0, 3);
  REQUIRE(none);
  CHECK(h.session.requests.empty());
}

TEST_CASE("results from anyone but the archive, or for another query, are ignored (SECURITY.md "
          "row 37)") {
  MamFixture f;
  FakeArchive archive(f.session, 4);
  archive.from = "coven@chat.example.test";
  archive.before_results = [&](const mam::Query& q) {
    mam::ArchivedMessage forged;
    forged.id = "evil";
    xml::Element m("message", "jabber:client");
    m.add_child(xml::Element("body", "jabber:client")).add_text("forged");
    forged.message = m;
    auto spoof = [&](const std::string& from, const std::string& queryid) {
      auto e = mam::make_result(forged, queryid);
      e.set_attr("from", from);
      f.session.router().dispatch(e);
    };
    spoof("coven@chat.example.test/mallory", q.queryid);  // an occupant, not the room
    spoof("mallory@evil.example", q.queryid);             // a stranger
    spoof("coven@chat.example.test", "guessed");          // the room, another query
    spoof("alice@example.test", q.queryid);               // our account is not the room's archive
  };
  f.session.responder = std::ref(archive);
  const auto read = run_query(f, jid("coven@chat.example.test"), {}, std::nullopt, 2);
  REQUIRE(read);
  CHECK(ids(*read) == range(1, 4));
  CHECK(read->ignored == 8);  // four per page, two pages
  for (const auto& m : read->messages)
    CHECK(m.body != "forged");
}

TEST_CASE("an archive sending more than <max/> does not grow the page") {
  MamFixture f;
  FakeArchive archive(f.session, 6);
  archive.extra = 2;
  f.session.responder = std::ref(archive);
  const auto read = run_query(f, std::nullopt, {}, 4, 2);
  REQUIRE(read);
  CHECK(ids(*read) == range(1, 4));
  CHECK(read->ignored == 4);

  // Backwards the newest of the page are kept: the last page is m5, m6 (m3, m4 sent in excess).
  MamFixture g;
  FakeArchive back(g.session, 6);
  back.extra = 2;
  g.session.responder = std::ref(back);
  const auto newest = run_last(g, std::nullopt, 2, 2);
  REQUIRE(newest);
  CHECK(ids(*newest) == range(5, 6));
  CHECK(newest->ignored == 2);
}

TEST_CASE("an archive that ignores <after/> is read once, not forever") {
  MamFixture f;
  FakeArchive archive(f.session, 6);
  archive.ignore_rsm = true;
  archive.limit = 2;
  f.session.responder = std::ref(archive);
  const auto read = run_query(f, std::nullopt, {}, std::nullopt, 2);
  REQUIRE(read);
  CHECK(ids(*read) == range(1, 2));
  CHECK_FALSE(read->complete);
  CHECK(read->pages == 2);
  CHECK(read->ignored == 2);
}

TEST_CASE("protocol violations: a <fin/> neither complete nor with RSM, a malformed result, no "
          "<fin/>") {
  {
    MamFixture f;
    FakeArchive archive(f.session, 5);
    archive.edit_fin = [](mam::Fin& fin) { fin.page.reset(); };
    f.session.responder = std::ref(archive);
    const auto read = run_query(f, jid("coven@chat.example.test"), {}, std::nullopt, 2);
    REQUIRE_FALSE(read);
    CHECK(read.error().kind == ErrorKind::protocol);
    CHECK(read.error().message.find("message archive of coven@chat.example.test: ") == 0);
    CHECK(read.error().message.find("RSM") != std::string::npos);
    const auto back = run_last(f, std::nullopt, 4, 2);
    REQUIRE_FALSE(back);
    CHECK(back.error().kind == ErrorKind::protocol);
  }
  {
    // Results but no <last/> to continue from.
    MamFixture f;
    FakeArchive archive(f.session, 5);
    archive.edit_fin = [](mam::Fin& fin) {
      fin.page->last.reset();
      fin.page->first.reset();
    };
    f.session.responder = std::ref(archive);
    const auto read = run_query(f, std::nullopt, {}, std::nullopt, 2);
    REQUIRE_FALSE(read);
    CHECK(read.error().kind == ErrorKind::protocol);
    CHECK(read.error().message.find("<last/>") != std::string::npos);
  }
  {
    MamFixture f;
    FakeArchive archive(f.session, 3);
    archive.before_results = [&](const mam::Query& q) {
      auto bad = test::parse_stanza("<message><result xmlns='urn:xmpp:mam:2' queryid='" +
                                    q.queryid + "'/></message>");
      f.session.router().dispatch(bad);
    };
    f.session.responder = std::ref(archive);
    const auto read = run_query(f, std::nullopt, {}, std::nullopt, 10);
    REQUIRE_FALSE(read);
    CHECK(read.error().kind == ErrorKind::protocol);
    CHECK(read.error().code == "bad_result");
    CHECK(read.error().message.find("our message archive (alice@example.test): ") == 0);
  }
  {
    MamFixture f;
    f.session.responder = [](const xml::Element& iq) {
      return std::optional(stanza::make_result(iq));
    };
    const auto read = run_query(f, std::nullopt, {}, std::nullopt, 10);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == "bad_fin");
  }
}

TEST_CASE("errors: the archive's stanza error reworded with context; a later page names itself") {
  MamFixture f;
  f.session.responder = [](const xml::Element& iq) {
    return std::optional(
        stanza::make_error_reply(iq, stanza::make_stanza_error("feature-not-implemented")));
  };
  const auto read = run_query(f, jid("coven@chat.example.test"), {}, std::nullopt, 10);
  REQUIRE_FALSE(read);
  CHECK(read.error().kind == ErrorKind::remote);
  CHECK(read.error().condition == "feature-not-implemented");
  CHECK(read.error().message ==
        "message archive of coven@chat.example.test: coven@chat.example.test keeps no message "
        "archive (XEP-0313), or cannot filter as asked (feature-not-implemented)");

  // item-not-found on page 2 (the id we continue from vanished).
  MamFixture g;
  FakeArchive archive(g.session, 5);
  g.session.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    if (!archive.queries.empty())
      return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
    return archive(iq);
  };
  const auto second = run_query(g, std::nullopt, {}, std::nullopt, 2);
  REQUIRE_FALSE(second);
  CHECK(second.error().condition == "item-not-found");
  CHECK(second.error().message ==
        "our message archive (alice@example.test) (page 2): a message id asked for is not (or no "
        "longer) in it (item-not-found)");

  // No answer: a timeout.
  MamFixture h;
  const auto timeout = test::run_coroutine<Result<mam::Archive>>(h.io, [&] {
    return mam::query(h.session, std::nullopt, mam::Filter{}, std::nullopt, milliseconds(50), 10);
  });
  REQUIRE_FALSE(timeout);
  CHECK(timeout.error().kind == ErrorKind::temporary);
  CHECK(timeout.error().code == "timeout");
  CHECK(timeout.error().message.find("our message archive (alice@example.test): ") == 0);
}

TEST_CASE("archive_supported: the urn:xmpp:mam:2 feature in disco#info (§7, examples 28-29)") {
  MamFixture f;
  bool advertise = true;
  f.session.responder = [&](const xml::Element& iq) -> std::optional<xml::Element> {
    if (iq.attr("to") == "gone@chat.example.test")
      return stanza::make_error_reply(iq, stanza::make_stanza_error("item-not-found"));
    auto reply = test::example("xep0313-ex29-disco-features.xml");
    reply.set_attr("id", *iq.attr("id"));
    auto* query = reply.child("query", "http://jabber.org/protocol/disco#info");
    REQUIRE(query != nullptr);
    if (!advertise) query->nodes().clear();
    return reply;
  };
  auto ask = [&](std::optional<Jid> archive) {
    return test::run_coroutine<Result<bool>>(
        f.io, [&] { return mam::archive_supported(f.session, archive, seconds(5)); });
  };
  const auto own = ask(std::nullopt);
  REQUIRE(own);
  CHECK(*own);
  // Our own archive is asked at our bare JID (§7, example 28).
  CHECK(f.session.requests.back().attr("to") == "alice@example.test");
  CHECK(f.session.requests.back().child("query", "http://jabber.org/protocol/disco#info"));
  advertise = false;
  const auto room = ask(jid("coven@chat.example.test"));
  REQUIRE(room);
  CHECK_FALSE(*room);
  CHECK(f.session.requests.back().attr("to") == "coven@chat.example.test");
  const auto gone = ask(jid("gone@chat.example.test"));
  REQUIRE_FALSE(gone);
  CHECK(gone.error().condition == "item-not-found");
}
