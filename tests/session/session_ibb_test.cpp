// In-Band Bytestreams (XEP-0047, as XEP-0261 uses them) through the real session driver against
// the scripted server playing the peer bob@example.test/laptop. Sending: the <open/> refused, three
// chunks and <close/> byte-exact, the window pipelining 16 chunks before any acknowledgement, an
// error acknowledgement failing write() and close(). Receiving (SECURITY.md row 49): data before
// <open/>, a seq gap (error, our <close/>, read fails), chunks read in order with a small buffer
// and 0 after <close/>, a stranger's data refused without harm, an <open/> for message chunks
// refused, the queue cap, cancel() sending <close/> and ending a pending read, the idle timeout.
// End to end: a sink and a source on one session, the server relaying the chunks back.
#include "harness.hpp"
#include "peer_bob.hpp"

#include <cstring>
#include <span>

#include "xep/ibb/ibb_ops.hpp"
#include "xml/writer.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

std::string ns() {
  return std::string(ibb::k_ns);
}

/// Bob's error reply to the client's iq.
std::string refuse(const xml::Element& iq, const std::string& type, const std::string& condition) {
  return "<iq type='error' id='" + id_of(iq) + "' from='" + std::string(k_bob) + "' to='" +
         std::string(k_alice) + "'><error type='" + type + "'><" + condition +
         " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
}

std::string open_payload(const std::string& sid, const std::string& block_size,
                         const std::string& stanza = "iq") {
  return "<open xmlns='" + ns() + "' sid='" + sid + "' block-size='" + block_size + "' stanza='" +
         stanza + "'/>";
}

std::string data_payload(const std::string& sid, int seq, const std::string& base64) {
  return "<data xmlns='" + ns() + "' sid='" + sid + "' seq='" + std::to_string(seq) + "'>" +
         base64 + "</data>";
}

std::string close_payload(const std::string& sid) {
  return "<close xmlns='" + ns() + "' sid='" + sid + "'/>";
}

/// The client's answer to inbound iq `id`: a result, or an error with `condition`.
std::string answer_pattern(const std::string& id, const std::string& condition = {}) {
  if (condition.empty())
    return "<iq type='result' id='" + id + "' to='" + std::string(k_bob) + "'/>";
  return "<iq type='error' id='" + id + "' to='" + std::string(k_bob) + "'><error><" + condition +
         " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
}

std::string data_pattern(const std::string& sid, int seq, const std::string& base64) {
  return set_pattern(data_payload(sid, seq, base64));
}

std::string close_pattern(const std::string& sid, const std::string& to = std::string(k_bob)) {
  return "<iq type='set' to='" + to + "' id='*'>" + close_payload(sid) + "</iq>";
}

/// What the client sends once its source is registered: the stand-in for Jingle's session-accept,
/// after which the peer may open.
awaitable<void> say_ready(stream::Session& s) {
  xml::Element message("message", "jabber:client");
  message.set_attr("to", std::string(k_bob));
  message.add_child(xml::Element("body", "jabber:client").add_text("ready"));
  (void)co_await s.send(std::move(message));
}

awaitable<void> expect_ready(Peer& peer) {
  co_await peer.expect("<message to='bob@example.test/laptop'><body>ready</body></message>");
}

/// Reads until 0 or an error, with `chunk`-byte reads; returns the bytes and the final outcome.
awaitable<std::pair<std::string, Result<std::size_t>>> read_all(jingle_ft::ByteSource& source,
                                                                std::size_t chunk) {
  std::string out;
  std::vector<char> buffer(chunk);
  for (;;) {
    auto n = co_await source.read(std::span<char>(buffer.data(), buffer.size()));
    if (!n || *n == 0) co_return std::make_pair(std::move(out), std::move(n));
    out.append(buffer.data(), *n);
  }
}

ibb::SinkOptions sink_options(std::uint32_t block_size, std::size_t window) {
  ibb::SinkOptions o;
  o.block_size = block_size;
  o.window = window;
  o.timeout = 2s;
  return o;
}

}  // namespace

// ---- sending ----

TEST_CASE("ibb sink: a refused <open/> names the peer and the condition (XEP-0047 example 3)") {
  Scenario t;
  Result<std::unique_ptr<jingle_ft::ByteSink>> sink = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        sink = co_await ibb::open_sink(*s, jid(k_bob), "s1", sink_options(4096, 16));
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto open = co_await t.peer.expect("<iq type='set' to='bob@example.test/laptop' id='*'>" +
                                           open_payload("s1", "4096") + "</iq>");
        t.peer.send(refuse(open, "cancel", "not-acceptable"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(sink);
  CHECK(sink.error().kind == ErrorKind::remote);
  CHECK(sink.error().condition == "not-acceptable");
  CHECK(sink.error().message ==
        "peer bob@example.test/laptop refused the in-band bytestream (not-acceptable)");
}

TEST_CASE("ibb sink: a block size outside 1-65535 is a usage error and sends nothing") {
  Scenario t;
  Result<std::unique_ptr<jingle_ft::ByteSink>> zero = fail(ErrorKind::software, "not_run", "", "");
  Result<std::unique_ptr<jingle_ft::ByteSink>> big = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        zero = co_await ibb::open_sink(*s, jid(k_bob), "s1", sink_options(0, 16));
        big = co_await ibb::open_sink(*s, jid(k_bob), "s1", sink_options(65536, 16));
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(zero);
  CHECK(zero.error().code == "bad_block_size");
  REQUIRE_FALSE(big);
  CHECK(big.error().kind == ErrorKind::usage);
}

TEST_CASE("ibb sink: three chunks with seq 0-2, then <close/>, byte-exact (XEP-0047 §2.2, §2.3)") {
  Scenario t;
  Result<void> wrote = fail(ErrorKind::software, "not_run", "", "");
  Result<void> closed = fail(ErrorKind::software, "not_run", "", "");
  std::size_t written = 0;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto sink = co_await ibb::open_sink(*s, jid(k_bob), "s1", sink_options(4, 16));
        REQUIRE(sink);
        const std::string text = "abcdefghij";
        wrote = co_await (*sink)->write(bytes_of(text));
        closed = co_await (*sink)->close();
        written = (*sink)->written();
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto open = co_await t.peer.expect("<iq type='set' to='bob@example.test/laptop' id='*'>" +
                                           open_payload("s1", "4") + "</iq>");
        t.peer.send(ack(open));
        // "abcd", "efgh", "ij" in strict base64.
        auto d0 = co_await t.peer.expect(data_pattern("s1", 0, "YWJjZA=="));
        auto d1 = co_await t.peer.expect(data_pattern("s1", 1, "ZWZnaA=="));
        auto d2 = co_await t.peer.expect(data_pattern("s1", 2, "aWo="));
        t.peer.send(ack(d0) + ack(d1) + ack(d2));
        auto close = co_await t.peer.expect(close_pattern("s1"));
        t.peer.send(ack(close));
        co_await clean_close(t.peer);
      });
  CHECK_MESSAGE(wrote, (wrote ? "" : wrote.error().message));
  CHECK_MESSAGE(closed, (closed ? "" : closed.error().message));
  CHECK(written == 10);
}

TEST_CASE("ibb sink: the window keeps 16 chunks unacknowledged before write() waits") {
  Scenario t;
  Result<void> wrote = fail(ErrorKind::software, "not_run", "", "");
  Result<void> closed = fail(ErrorKind::software, "not_run", "", "");
  bool write_returned = false;
  bool returned_before_ack = true;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto sink = co_await ibb::open_sink(*s, jid(k_bob), "s1", sink_options(1, 16));
        REQUIRE(sink);
        const std::string text(20, 'x');
        wrote = co_await (*sink)->write(bytes_of(text));
        write_returned = true;
        closed = co_await (*sink)->close();
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto open = co_await t.peer.expect("<iq type='set' to='bob@example.test/laptop' id='*'>" +
                                           open_payload("s1", "1") + "</iq>");
        t.peer.send(ack(open));
        std::vector<xml::Element> chunks;
        for (int seq = 0; seq < 16; ++seq)
          chunks.push_back(co_await t.peer.expect(data_pattern("s1", seq, "eA==")));
        // Nothing acknowledged: the 17th chunk waits, so write() has not returned.
        returned_before_ack = write_returned;
        t.peer.send(ack(chunks[0]));
        chunks.push_back(co_await t.peer.expect(data_pattern("s1", 16, "eA==")));
        t.peer.send(ack(chunks[1]) + ack(chunks[2]) + ack(chunks[3]));
        for (int seq = 17; seq < 20; ++seq)
          chunks.push_back(co_await t.peer.expect(data_pattern("s1", seq, "eA==")));
        std::string rest;
        for (std::size_t i = 4; i < chunks.size(); ++i)
          rest += ack(chunks[i]);
        t.peer.send(rest);
        auto close = co_await t.peer.expect(close_pattern("s1"));
        t.peer.send(ack(close));
        co_await clean_close(t.peer);
      });
  CHECK_FALSE(returned_before_ack);
  CHECK_MESSAGE(wrote, (wrote ? "" : wrote.error().message));
  CHECK_MESSAGE(closed, (closed ? "" : closed.error().message));
}

TEST_CASE("ibb sink: an error acknowledgement fails write(), sends <close/>, and sticks") {
  Scenario t;
  Result<void> first = fail(ErrorKind::software, "not_run", "", "");
  Result<void> again = fail(ErrorKind::software, "not_run", "", "");
  Result<void> closed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto sink = co_await ibb::open_sink(*s, jid(k_bob), "s1", sink_options(4, 1));
        REQUIRE(sink);
        const std::string text = "abcdefgh";
        first = co_await (*sink)->write(bytes_of(text));
        again = co_await (*sink)->write(bytes_of(text));
        closed = co_await (*sink)->close();
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto open = co_await t.peer.expect("<iq type='set' to='bob@example.test/laptop' id='*'>" +
                                           open_payload("s1", "4") + "</iq>");
        t.peer.send(ack(open));
        auto d0 = co_await t.peer.expect(data_pattern("s1", 0, "YWJjZA=="));
        t.peer.send(refuse(d0, "cancel", "item-not-found"));
        // Window 1: chunk 1 was never sent; the best-effort <close/> follows the failure.
        auto close = co_await t.peer.expect(close_pattern("s1"));
        t.peer.send(ack(close));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(first);
  CHECK(first.error().kind == ErrorKind::remote);
  CHECK(first.error().condition == "item-not-found");
  CHECK(first.error().message == "peer bob@example.test/laptop refused chunk 0 of the in-band "
                                 "bytestream s1 (item-not-found)");
  REQUIRE_FALSE(again);
  CHECK(again.error().condition == "item-not-found");
  REQUIRE_FALSE(closed);
  CHECK(closed.error().condition == "item-not-found");
}

TEST_CASE("ibb sink: an error acknowledgement within the window fails close()") {
  Scenario t;
  Result<void> wrote = fail(ErrorKind::software, "not_run", "", "");
  Result<void> closed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto sink = co_await ibb::open_sink(*s, jid(k_bob), "s1", sink_options(4, 16));
        REQUIRE(sink);
        const std::string text = "abcdefgh";
        wrote = co_await (*sink)->write(bytes_of(text));
        closed = co_await (*sink)->close();
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto open = co_await t.peer.expect("<iq type='set' to='bob@example.test/laptop' id='*'>" +
                                           open_payload("s1", "4") + "</iq>");
        t.peer.send(ack(open));
        auto d0 = co_await t.peer.expect(data_pattern("s1", 0, "YWJjZA=="));
        auto d1 = co_await t.peer.expect(data_pattern("s1", 1, "ZWZnaA=="));
        t.peer.send(ack(d0) + refuse(d1, "wait", "resource-constraint"));
        auto close = co_await t.peer.expect(close_pattern("s1"));
        t.peer.send(ack(close));
        co_await clean_close(t.peer);
      });
  CHECK_MESSAGE(wrote, (wrote ? "" : wrote.error().message));
  REQUIRE_FALSE(closed);
  CHECK(closed.error().condition == "resource-constraint");
  CHECK(closed.error().message.find("chunk 1") != std::string::npos);
}

TEST_CASE("ibb sink: an unanswered chunk fails as a timeout") {
  Scenario t;
  Result<void> closed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto options = sink_options(4, 16);
        options.timeout = 200ms;
        auto sink = co_await ibb::open_sink(*s, jid(k_bob), "s1", options);
        REQUIRE(sink);
        const std::string text = "abcd";
        (void)co_await (*sink)->write(bytes_of(text));
        closed = co_await (*sink)->close();
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto open = co_await t.peer.expect("<iq type='set' to='bob@example.test/laptop' id='*'>" +
                                           open_payload("s1", "4") + "</iq>");
        t.peer.send(ack(open));
        (void)co_await t.peer.expect(data_pattern("s1", 0, "YWJjZA=="));
        (void)co_await t.peer.expect(close_pattern("s1"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(closed);
  CHECK(closed.error().kind == ErrorKind::temporary);
  CHECK(closed.error().code == "timeout");
}

// ---- receiving ----

TEST_CASE("ibb source: chunks read in order through a small buffer, 0 after <close/>") {
  Scenario t;
  std::string got;
  Result<std::size_t> last = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, ibb::SourceOptions{});
        REQUIRE(source);
        co_await say_ready(*s);
        auto [bytes, end] = co_await read_all(**source, 3);
        got = std::move(bytes);
        last = std::move(end);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await expect_ready(t.peer);
        // XEP-0047 examples 1, 6 and 8 (a smaller block-size than agreed is accepted).
        t.peer.send(inbound("o1", open_payload("s1", "8")));
        co_await t.peer.expect(answer_pattern("o1"));
        t.peer.send(inbound("d0", data_payload("s1", 0, "YWJjZA==")) +
                    inbound("d1", data_payload("s1", 1, "ZWZnaA==")) +
                    inbound("d2", data_payload("s1", 2, "aWo=")));
        co_await t.peer.expect(answer_pattern("d0"));
        co_await t.peer.expect(answer_pattern("d1"));
        co_await t.peer.expect(answer_pattern("d2"));
        t.peer.send(inbound("c1", close_payload("s1")));
        co_await t.peer.expect(answer_pattern("c1"));
        co_await clean_close(t.peer);
      });
  CHECK(got == "abcdefghij");
  REQUIRE_MESSAGE(last, (last ? "" : last.error().message));
  CHECK(*last == 0);
}

TEST_CASE("ibb source: data before <open/> is item-not-found and does not end the bytestream") {
  Scenario t;
  std::string got;
  Result<std::size_t> last = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, ibb::SourceOptions{});
        REQUIRE(source);
        co_await say_ready(*s);
        auto [bytes, end] = co_await read_all(**source, 64);
        got = std::move(bytes);
        last = std::move(end);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await expect_ready(t.peer);
        t.peer.send(inbound("early", data_payload("s1", 0, "YWJjZA==")));
        co_await t.peer.expect(answer_pattern("early", "item-not-found"));
        t.peer.send(inbound("o1", open_payload("s1", "4096")));
        co_await t.peer.expect(answer_pattern("o1"));
        t.peer.send(inbound("d0", data_payload("s1", 0, "YWJjZA==")));
        co_await t.peer.expect(answer_pattern("d0"));
        t.peer.send(inbound("c1", close_payload("s1")));
        co_await t.peer.expect(answer_pattern("c1"));
        co_await clean_close(t.peer);
      });
  CHECK(got == "abcd");
  REQUIRE(last);
  CHECK(*last == 0);
}

TEST_CASE("ibb source: a seq gap is unexpected-request, we send <close/>, read() fails after the "
          "good bytes (SECURITY.md row 49)") {
  Scenario t;
  std::string got;
  Result<std::size_t> last = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, ibb::SourceOptions{});
        REQUIRE(source);
        co_await say_ready(*s);
        auto [bytes, end] = co_await read_all(**source, 64);
        got = std::move(bytes);
        last = std::move(end);
        // Stay until the peer has tried once more.
        (void)co_await s->wait_for(
            [](const xml::Element& e) { return e.attr("id") == std::string("d1"); }, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await expect_ready(t.peer);
        t.peer.send(inbound("o1", open_payload("s1", "4096")));
        co_await t.peer.expect(answer_pattern("o1"));
        t.peer.send(inbound("d0", data_payload("s1", 0, "YWJjZA==")));
        co_await t.peer.expect(answer_pattern("d0"));
        t.peer.send(inbound("d2", data_payload("s1", 2, "ZWZnaA==")));
        // Our <close/> is queued from inside the responder, so it precedes the error reply.
        auto close = co_await t.peer.expect(close_pattern("s1"));
        co_await t.peer.expect(answer_pattern("d2", "unexpected-request"));
        t.peer.send(ack(close));
        // Whatever follows the break is refused.
        t.peer.send(inbound("d1", data_payload("s1", 1, "ZWZnaA==")));
        co_await t.peer.expect(answer_pattern("d1", "item-not-found"));
        co_await clean_close(t.peer);
      });
  CHECK(got == "abcd");
  REQUIRE_FALSE(last);
  CHECK(last.error().kind == ErrorKind::protocol);
  CHECK(last.error().code == "ibb_closed");
  CHECK(last.error().message ==
        "in-band bytestream s1 from bob@example.test/laptop: seq 2, expected 1");
}

TEST_CASE("ibb source: a stranger's data and <close/> are item-not-found and change nothing") {
  Scenario t;
  std::string got;
  Result<std::size_t> last = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, ibb::SourceOptions{});
        REQUIRE(source);
        co_await say_ready(*s);
        auto [bytes, end] = co_await read_all(**source, 64);
        got = std::move(bytes);
        last = std::move(end);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await expect_ready(t.peer);
        t.peer.send(inbound("o1", open_payload("s1", "4096")));
        co_await t.peer.expect(answer_pattern("o1"));
        const std::string mallory = "mallory@evil.test/x";
        t.peer.send(inbound("m0", data_payload("s1", 0, "ZXZpbA=="), mallory));
        co_await t.peer.expect("<iq type='error' id='m0' to='" + mallory +
                               "'><error><item-not-found "
                               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        t.peer.send(inbound("m1", close_payload("s1"), mallory));
        co_await t.peer.expect("<iq type='error' id='m1' to='" + mallory + "'/>");
        // Another sid from the peer is a bytestream we never negotiated.
        t.peer.send(inbound("x0", data_payload("other", 0, "ZXZpbA==")));
        co_await t.peer.expect(answer_pattern("x0", "item-not-found"));
        t.peer.send(inbound("d0", data_payload("s1", 0, "YWJjZA==")));
        co_await t.peer.expect(answer_pattern("d0"));
        t.peer.send(inbound("c1", close_payload("s1")));
        co_await t.peer.expect(answer_pattern("c1"));
        co_await clean_close(t.peer);
      });
  CHECK(got == "abcd");
  REQUIRE(last);
  CHECK(*last == 0);
}

TEST_CASE("ibb source: an <open/> for message chunks or a larger block is refused") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, ibb::SourceOptions{});
        REQUIRE(source);
        co_await say_ready(*s);
        (void)co_await s->wait_for(
            [](const xml::Element& e) { return e.attr("id") == std::string("o3"); }, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await expect_ready(t.peer);
        t.peer.send(inbound("o1", open_payload("s1", "4096", "message")));
        co_await t.peer.expect(answer_pattern("o1", "not-acceptable"));
        t.peer.send(inbound("o2", open_payload("s1", "1000000")));
        co_await t.peer.expect(answer_pattern("o2", "resource-constraint"));
        t.peer.send(inbound("o3", open_payload("s1", "4096")));
        co_await t.peer.expect(answer_pattern("o3"));
        co_await clean_close(t.peer);
      });
}

TEST_CASE("ibb source: more unread bytes than max_queued is resource-constraint and a close") {
  Scenario t;
  Result<std::size_t> first = fail(ErrorKind::software, "not_run", "", "");
  Result<std::size_t> second = fail(ErrorKind::software, "not_run", "", "");
  std::string got;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        ibb::SourceOptions options;
        options.max_queued = 6;
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, options);
        REQUIRE(source);
        co_await say_ready(*s);
        // Read only once the peer has been refused.
        (void)co_await s->wait_for(
            [](const xml::Element& e) { return e.attr("id") == std::string("d1"); }, 2s);
        std::vector<char> buffer(64);
        first = co_await (*source)->read(std::span<char>(buffer.data(), buffer.size()));
        if (first) got.assign(buffer.data(), *first);
        second = co_await (*source)->read(std::span<char>(buffer.data(), buffer.size()));
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await expect_ready(t.peer);
        t.peer.send(inbound("o1", open_payload("s1", "4096")));
        co_await t.peer.expect(answer_pattern("o1"));
        t.peer.send(inbound("d0", data_payload("s1", 0, "YWJjZA==")));
        co_await t.peer.expect(answer_pattern("d0"));
        t.peer.send(inbound("d1", data_payload("s1", 1, "ZWZnaA==")));
        auto close = co_await t.peer.expect(close_pattern("s1"));
        co_await t.peer.expect(answer_pattern("d1", "resource-constraint"));
        t.peer.send(ack(close));
        co_await clean_close(t.peer);
      });
  REQUIRE(first);
  CHECK(got == "abcd");
  REQUIRE_FALSE(second);
  CHECK(second.error().code == "ibb_closed");
  CHECK(second.error().message.find("more than 6 bytes") != std::string::npos);
}

TEST_CASE("ibb source: cancel() sends <close/> and ends a pending read(); later data is refused") {
  Scenario t;
  std::string got;
  Result<std::size_t> pending = fail(ErrorKind::software, "not_run", "", "");
  bool pending_done = false;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, ibb::SourceOptions{});
        REQUIRE(source);
        co_await say_ready(*s);
        std::vector<char> buffer(64);
        auto n = co_await (*source)->read(std::span<char>(buffer.data(), buffer.size()));
        REQUIRE(n);
        got.assign(buffer.data(), *n);
        const auto executor = co_await asio::this_coro::executor;
        asio::co_spawn(
            executor,
            [&]() -> awaitable<void> {
              std::vector<char> b(64);
              pending = co_await (*source)->read(std::span<char>(b.data(), b.size()));
              pending_done = true;
            },
            asio::detached);
        co_await asio::post(executor, asio::use_awaitable);
        CHECK_FALSE(pending_done);
        (*source)->cancel();
        (void)co_await s->wait_for(
            [](const xml::Element& e) { return e.attr("id") == std::string("d1"); }, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await expect_ready(t.peer);
        t.peer.send(inbound("o1", open_payload("s1", "4096")));
        co_await t.peer.expect(answer_pattern("o1"));
        t.peer.send(inbound("d0", data_payload("s1", 0, "YWJjZA==")));
        co_await t.peer.expect(answer_pattern("d0"));
        auto close = co_await t.peer.expect(close_pattern("s1"));
        t.peer.send(ack(close));
        t.peer.send(inbound("d1", data_payload("s1", 1, "ZWZnaA==")));
        co_await t.peer.expect(answer_pattern("d1", "item-not-found"));
        co_await clean_close(t.peer);
      });
  CHECK(got == "abcd");
  CHECK(pending_done);
  REQUIRE_FALSE(pending);
  CHECK(pending.error().code == "cancelled");
}

TEST_CASE("ibb source: read() gives up after the idle timeout") {
  Scenario t;
  Result<std::size_t> n = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        ibb::SourceOptions options;
        options.idle_timeout = 150ms;
        auto zero = ibb::expect_source(*s, jid(k_bob), "s1", 0, options);
        CHECK((!zero && zero.error().code == "bad_block_size"));
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, options);
        REQUIRE(source);
        std::vector<char> buffer(16);
        n = co_await (*source)->read(std::span<char>(buffer.data(), buffer.size()));
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(n);
  CHECK(n.error().kind == ErrorKind::temporary);
  CHECK(n.error().code == "timeout");
  CHECK(n.error().message ==
        "in-band bytestream s1 from bob@example.test/laptop: no data within 150 ms");
}

TEST_CASE("ibb source: a lost connection ends a waiting read() at once") {
  Scenario t;
  Result<std::size_t> n = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto source = ibb::expect_source(*s, jid(k_bob), "s1", 4096, ibb::SourceOptions{});
        REQUIRE(source);
        co_await say_ready(*s);
        std::vector<char> buffer(16);
        n = co_await (*source)->read(std::span<char>(buffer.data(), buffer.size()));
        (void)co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        co_await expect_ready(t.peer);
        t.peer.close();
      });
  REQUIRE_FALSE(n);
  CHECK(n.error().code == "connection_lost");
}

// ---- end to end ----

TEST_CASE("ibb: a sink and a source on one session, the server relaying the chunks back") {
  Scenario t;
  std::string sent;
  for (int i = 0; i < 50000; ++i)
    sent.push_back(static_cast<char>((i * 7919 + i / 256) & 0xff));
  std::string got;
  Result<std::size_t> last = fail(ErrorKind::software, "not_run", "", "");
  Result<void> wrote = fail(ErrorKind::software, "not_run", "", "");
  Result<void> closed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        auto source = ibb::expect_source(*s, jid(k_bob), "loop", 4096, ibb::SourceOptions{});
        REQUIRE(source);
        bool reader_done = false;
        const auto executor = co_await asio::this_coro::executor;
        asio::co_spawn(
            executor,
            [&]() -> awaitable<void> {
              auto [bytes, end] = co_await read_all(**source, 1000);
              got = std::move(bytes);
              last = std::move(end);
              reader_done = true;
            },
            asio::detached);
        auto sink = co_await ibb::open_sink(*s, jid(k_bob), "loop", sink_options(4096, 4));
        REQUIRE(sink);
        // Writes of odd sizes: each becomes its own chunks.
        std::size_t offset = 0;
        wrote = Result<void>{};
        while (offset < sent.size() && wrote) {
          const std::size_t n = std::min<std::size_t>(7777, sent.size() - offset);
          wrote = co_await (*sink)->write(std::span<const char>(sent.data() + offset, n));
          offset += n;
        }
        closed = co_await (*sink)->close();
        (void)co_await s->wait_for([&](const xml::Element&) { return reader_done; }, 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        // Every IBB iq the client sends to bob comes back as bob's, and the client's answer goes
        // back as bob's answer: the client talks to itself through the server.
        int closes = 0;
        while (closes < 1) {
          auto e = co_await t.peer.next();
          REQUIRE(e);
          const std::string type = e->attr("type").value_or("");
          if (type == "set") {
            const xml::Element* payload = e->child_in(ibb::k_ns);
            REQUIRE(payload);
            if (payload->name() == "close") ++closes;
            t.peer.send(inbound("r-" + id_of(*e), xml::to_string(*payload, "jabber:client")));
          } else {
            const std::string id = id_of(*e);
            REQUIRE(id.rfind("r-", 0) == 0);
            const std::string original = id.substr(2);
            xml::Element reply = *e;
            reply.set_attr("id", original);
            reply.set_attr("from", std::string(k_bob));
            reply.set_attr("to", std::string(k_alice));
            t.peer.send(xml::to_string(reply, "jabber:client"));
          }
        }
        // The answer to the relayed <close/>.
        auto answer = co_await t.peer.next();
        REQUIRE(answer);
        xml::Element reply = *answer;
        reply.set_attr("id", id_of(*answer).substr(2));
        reply.set_attr("from", std::string(k_bob));
        reply.set_attr("to", std::string(k_alice));
        t.peer.send(xml::to_string(reply, "jabber:client"));
        co_await clean_close(t.peer);
      });
  CHECK_MESSAGE(wrote, (wrote ? "" : wrote.error().message));
  CHECK_MESSAGE(closed, (closed ? "" : closed.error().message));
  REQUIRE_MESSAGE(last, (last ? "" : last.error().message));
  CHECK(*last == 0);
  CHECK(got.size() == sent.size());
  CHECK(got == sent);
}
