// The Jingle file-transfer engine (XEP-0234 over XEP-0166, IBB transport XEP-0261) through the real
// session driver against the scripted server playing the peer bob@example.test/laptop. Sending:
// initiate, accept (with a lowered block size), open/data/close byte-exact, terminate success;
// a decline; a hash verdict failure; a <received/> taken as success. Receiving: a scripted
// initiator over IBB (block size negotiated down, the 'initiator' attribute ignored, row 50), an
// offer without a file description terminated unsupported-applications. The dispatcher: an
// unknown sid answered item-not-found <unknown-session/>, a stranger's session-terminate for our
// sid refused (SECURITY.md row 50). Ranged transfers (XEP-0234 §7): the receiver's <range/> in
// session-accept, range() on the sender, only that part on the wire, a range past the end refused
// on both sides; end to end over S5B and after the IBB fallback.
#include "harness.hpp"
#include "peer_bob.hpp"

#include <span>

#include "xep/ibb/ibb.hpp"
#include "xep/jingle_ft/transfer_ops.hpp"
#include "xml/writer.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace std::chrono_literals;

namespace {

const std::string k_jingle = "urn:xmpp:jingle:1";
const std::string k_ft = "urn:xmpp:jingle:apps:file-transfer:5";
const std::string k_ibb = "http://jabber.org/protocol/ibb";
const std::string k_ibb_jingle = "urn:xmpp:jingle:transports:ibb:1";
const std::string k_stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";

std::string result_pattern(const std::string& id, std::string to = std::string(k_bob)) {
  return "<iq type='result' id='" + id + "' to='" + to + "'/>";
}

std::string jingle_open(const std::string& action, const std::string& sid,
                        const std::string& extra = {}) {
  return "<jingle xmlns='" + k_jingle + "' action='" + action + "' sid='" + sid + "'" + extra + ">";
}

std::string terminate(const std::string& sid, const std::string& condition,
                      const std::string& text = {}) {
  std::string reason = "<reason><" + condition + "/>";
  if (!text.empty()) reason += "<text>" + text + "</text>";
  return jingle_open("session-terminate", sid) + reason + "</reason></jingle>";
}

std::string ibb_transport(const std::string& sid, const std::string& block_size) {
  return "<transport xmlns='" + k_ibb_jingle + "' sid='" + sid + "' block-size='" + block_size +
         "'/>";
}

/// A content with the file a.txt of 10 bytes; `range` (a <range/> or nothing) goes into <file/>.
std::string file_content_with(const std::string& transport, const std::string& range) {
  return "<content creator='initiator' name='file' senders='initiator'><description xmlns='" +
         k_ft + "'><file><name>a.txt</name>" + range + "<size>10</size></file></description>" +
         transport + "</content>";
}

std::string file_content(const std::string& transport) {
  return file_content_with(transport, "");
}

std::string ibb_data_pattern(const std::string& sid, int seq, const std::string& base64) {
  return set_pattern("<data xmlns='" + k_ibb + "' sid='" + sid + "' seq='" + std::to_string(seq) +
                     "'>" + base64 + "</data>");
}

const xml::Element& jingle_of(const xml::Element& iq) {
  return *iq.child("jingle", k_jingle);
}

/// The IBB sid of a session-initiate's or transport's <transport/>.
std::string ibb_sid_of(const xml::Element& iq) {
  return jingle_of(iq)
      .child("content", k_jingle)
      ->child("transport", k_ibb_jingle)
      ->attr("sid")
      .value_or("");
}

jingle_ft::File ten_bytes() {
  jingle_ft::File f;
  f.name = "a.txt";
  f.size = 10;
  return f;
}

jingle_ft::OfferOptions ibb_only() {
  jingle_ft::OfferOptions o;
  o.transport = jingle_ft::TransportChoice::ibb;
  o.ibb_block_size = 4;
  o.request_timeout = 2s;
  o.accept_timeout = 2s;
  o.verdict_timeout = 2s;
  return o;
}

struct Sids {
  std::string jingle;
  std::string ibb;
};

/// The server side of a sender test up to the session-accept: bob acknowledges the initiate and
/// accepts with block size 3, `range` (a <range/> or nothing) in the accept's <file/>.
awaitable<Sids> accept_offer(Peer& peer, std::string range) {
  auto init = co_await peer.expect(set_pattern(
      jingle_open("session-initiate", "*", " initiator='" + std::string(k_alice) + "'") +
      file_content(ibb_transport("*", "4")) + "</jingle>"));
  Sids sids{jingle_of(init).attr("sid").value_or(""), ibb_sid_of(init)};
  peer.send(ack(init));
  peer.send(inbound(
      "a1", jingle_open("session-accept", sids.jingle, " responder='" + std::string(k_bob) + "'") +
                file_content_with(ibb_transport(sids.ibb, "3"), range) + "</jingle>"));
  co_await peer.expect(result_pattern("a1"));
  co_return sids;
}

/// The server side of a sender test up to the last chunk: accept_offer() with `range` (none, or
/// one asking for the whole file), then bob acknowledges open, the four chunks of "abcdefghij"
/// and close. Returns the Jingle sid.
awaitable<std::string> accept_all_with(Peer& peer, std::string range) {
  const auto sids = co_await accept_offer(peer, range);
  const std::string& sid = sids.jingle;
  const std::string& ibb_sid = sids.ibb;
  auto open = co_await peer.expect(set_pattern("<open xmlns='" + k_ibb + "' sid='" + ibb_sid +
                                               "' block-size='3' stanza='iq'/>"));
  peer.send(ack(open));
  auto d0 = co_await peer.expect(ibb_data_pattern(ibb_sid, 0, "YWJj"));
  auto d1 = co_await peer.expect(ibb_data_pattern(ibb_sid, 1, "ZGVm"));
  auto d2 = co_await peer.expect(ibb_data_pattern(ibb_sid, 2, "Z2hp"));
  auto d3 = co_await peer.expect(ibb_data_pattern(ibb_sid, 3, "ag=="));
  peer.send(ack(d0) + ack(d1) + ack(d2) + ack(d3));
  auto close =
      co_await peer.expect(set_pattern("<close xmlns='" + k_ibb + "' sid='" + ibb_sid + "'/>"));
  peer.send(ack(close));
  co_return sid;
}

awaitable<std::string> accept_and_receive(Peer& peer) {
  return accept_all_with(peer, "");
}

/// The client side of a sender test: offer, write "abcdefghij" (the part range() asks for),
/// close, finish.
struct SendOutcome {
  Result<void> wrote = fail(ErrorKind::software, "not_run", "", "");
  Result<void> finished = fail(ErrorKind::software, "not_run", "", "");
  std::optional<jingle_ft::Range> range;
};

awaitable<void> send_ten(Scenario& t, SendOutcome& out) {
  auto s = co_await open_session(t);
  jingle_ft::JingleDispatch dispatch(*s);
  auto transfer =
      co_await jingle_ft::OutgoingTransfer::offer(dispatch, jid(k_bob), ten_bytes(), ibb_only());
  REQUIRE(transfer);
  auto sink = co_await (*transfer)->accepted();
  REQUIRE_MESSAGE(sink, (sink ? "" : sink.error().message));
  out.range = (*transfer)->range();
  std::string text = "abcdefghij";
  if (out.range) {
    const auto offset = static_cast<std::size_t>(out.range->offset.value_or(0));
    text = out.range->length ? text.substr(offset, static_cast<std::size_t>(*out.range->length))
                             : text.substr(offset);
  }
  out.wrote = co_await (*sink)->write(bytes_of(text));
  if (out.wrote) out.wrote = co_await (*sink)->close();
  out.finished = co_await (*transfer)->finish();
  co_await s->close();
}

}  // namespace

// ---- sending ----

TEST_CASE("jingle-ft send over IBB: initiate, accept with a smaller block, data byte-exact, "
          "terminate success") {
  Scenario t;
  SendOutcome out;
  t.run([&]() -> awaitable<void> { co_await send_ten(t, out); },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          const auto sid = co_await accept_and_receive(t.peer);
          t.peer.send(inbound("t1", terminate(sid, "success")));
          co_await t.peer.expect(result_pattern("t1"));
          co_await clean_close(t.peer);
        });
  CHECK_MESSAGE(out.wrote, (out.wrote ? "" : out.wrote.error().message));
  CHECK_MESSAGE(out.finished, (out.finished ? "" : out.finished.error().message));
  CHECK_FALSE(out.range);  // an accept without <range/>: the whole file
}

// ---- ranged transfers (XEP-0234 §7) ----

namespace {

/// Bob accepts with `range` and takes "efghij" (the file from offset 4) in two chunks of 3.
awaitable<void> accept_from_four(Peer& peer, std::string range) {
  const auto sids = co_await accept_offer(peer, range);
  auto open = co_await peer.expect(set_pattern("<open xmlns='" + k_ibb + "' sid='" + sids.ibb +
                                               "' block-size='3' stanza='iq'/>"));
  peer.send(ack(open));
  auto d0 = co_await peer.expect(ibb_data_pattern(sids.ibb, 0, "ZWZn"));  // efg
  auto d1 = co_await peer.expect(ibb_data_pattern(sids.ibb, 1, "aGlq"));  // hij
  peer.send(ack(d0) + ack(d1));
  auto close =
      co_await peer.expect(set_pattern("<close xmlns='" + k_ibb + "' sid='" + sids.ibb + "'/>"));
  peer.send(ack(close));
  peer.send(inbound("t1", terminate(sids.jingle, "success")));
  co_await peer.expect(result_pattern("t1"));
}

/// The sender's accepted() against a session-accept carrying `range`, which must fail.
Result<std::unique_ptr<jingle_ft::ByteSink>> offer_against_bad_range(const std::string& range) {
  Scenario t;
  Result<std::unique_ptr<jingle_ft::ByteSink>> sink = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        auto transfer = co_await jingle_ft::OutgoingTransfer::offer(dispatch, jid(k_bob),
                                                                    ten_bytes(), ibb_only());
        REQUIRE(transfer);
        sink = co_await (*transfer)->accepted();
        CHECK_FALSE((*transfer)->range());
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        const auto sids = co_await accept_offer(t.peer, range);
        // No <open/>: the sender ends the session at once.
        auto end =
            co_await t.peer.expect(set_pattern(jingle_open("session-terminate", sids.jingle) +
                                               "<reason><failed-application/><text>*</text>"
                                               "</reason></jingle>"));
        t.peer.send(ack(end));
        co_await clean_close(t.peer);
      });
  return sink;
}

}  // namespace

TEST_CASE("jingle-ft send ranged over IBB: session-accept with <range offset='4'/> gives range() "
          "and the sender writes only bytes 4 to 9") {
  Scenario t;
  SendOutcome out;
  t.run([&]() -> awaitable<void> { co_await send_ten(t, out); },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          co_await accept_from_four(t.peer, "<range offset='4'/>");
          co_await clean_close(t.peer);
        });
  REQUIRE(out.range);
  CHECK(out.range->offset == 4u);
  CHECK_FALSE(out.range->length);
  CHECK_MESSAGE(out.wrote, (out.wrote ? "" : out.wrote.error().message));
  CHECK_MESSAGE(out.finished, (out.finished ? "" : out.finished.error().message));
}

TEST_CASE("jingle-ft send ranged: offset and length ending at the file's end are taken") {
  Scenario t;
  SendOutcome out;
  t.run([&]() -> awaitable<void> { co_await send_ten(t, out); },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          co_await accept_from_four(t.peer, "<range offset='4' length='6'/>");
          co_await clean_close(t.peer);
        });
  REQUIRE(out.range);
  CHECK(out.range->offset == 4u);
  CHECK(out.range->length == 6u);
  CHECK(out.finished);
}

TEST_CASE("jingle-ft send ranged: <range offset='0'/> without length is the whole file") {
  Scenario t;
  SendOutcome out;
  t.run([&]() -> awaitable<void> { co_await send_ten(t, out); },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          const auto sid = co_await accept_all_with(t.peer, "<range offset='0'/>");
          t.peer.send(inbound("t1", terminate(sid, "success")));
          co_await t.peer.expect(result_pattern("t1"));
          co_await clean_close(t.peer);
        });
  CHECK_FALSE(out.range);
  CHECK_MESSAGE(out.finished, (out.finished ? "" : out.finished.error().message));
}

TEST_CASE("jingle-ft send ranged: a range past the file's end is protocol \"bad_range\" naming "
          "the peer, and the session is terminated failed-application") {
  SUBCASE("offset past the size") {
    auto sink = offer_against_bad_range("<range offset='11'/>");
    REQUIRE_FALSE(sink);
    CHECK(sink.error().kind == ErrorKind::protocol);
    CHECK(sink.error().code == "bad_range");
    CHECK(sink.error().message ==
          "peer bob@example.test/laptop asked for a range outside the file offered: the range "
          "starts at 11, past the file's size 10");
  }
  SUBCASE("offset + length past the size") {
    auto sink = offer_against_bad_range("<range offset='4' length='7'/>");
    REQUIRE_FALSE(sink);
    CHECK(sink.error().code == "bad_range");
    CHECK(sink.error().message.find("peer bob@example.test/laptop ") == 0);
  }
  SUBCASE("an offset that is not a number") {
    auto sink = offer_against_bad_range("<range offset='-1'/>");
    REQUIRE_FALSE(sink);
    CHECK(sink.error().kind == ErrorKind::protocol);
    CHECK(sink.error().code == "bad_range");
  }
}

TEST_CASE("jingle-ft send: the receiver's hash verdict failure fails finish() with a clear error") {
  Scenario t;
  SendOutcome out;
  t.run([&]() -> awaitable<void> { co_await send_ten(t, out); },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          const auto sid = co_await accept_and_receive(t.peer);
          t.peer.send(inbound("t1", terminate(sid, "media-error", "hash mismatch")));
          co_await t.peer.expect(result_pattern("t1"));
          co_await clean_close(t.peer);
        });
  CHECK(out.wrote);
  REQUIRE_FALSE(out.finished);
  CHECK(out.finished.error().kind == ErrorKind::data);
  CHECK(out.finished.error().code == "not_confirmed");
  CHECK(out.finished.error().message ==
        "peer bob@example.test/laptop did not confirm the file (media-error: hash mismatch)");
}

TEST_CASE("jingle-ft send: a session-info <received/> confirms, and the sender ends the session") {
  Scenario t;
  SendOutcome out;
  t.run([&]() -> awaitable<void> { co_await send_ten(t, out); },
        [&]() -> awaitable<void> {
          co_await t.peer.login(without_sm());
          const auto sid = co_await accept_and_receive(t.peer);
          t.peer.send(inbound("r1", jingle_open("session-info", sid) + "<received xmlns='" + k_ft +
                                        "' creator='initiator' name='file'/></jingle>"));
          co_await t.peer.expect(result_pattern("r1"));
          co_await t.peer.expect(set_pattern(jingle_open("session-terminate", sid) +
                                             "<reason><success/></reason></jingle>"));
          co_await clean_close(t.peer);
        });
  CHECK(out.wrote);
  CHECK_MESSAGE(out.finished, (out.finished ? "" : out.finished.error().message));
}

TEST_CASE("jingle-ft send: a decline is kind remote \"declined\"; a stranger's terminate for our "
          "sid is refused (SECURITY.md row 50)") {
  Scenario t;
  Result<std::unique_ptr<jingle_ft::ByteSink>> sink = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        auto transfer = co_await jingle_ft::OutgoingTransfer::offer(dispatch, jid(k_bob),
                                                                    ten_bytes(), ibb_only());
        REQUIRE(transfer);
        sink = co_await (*transfer)->accepted();
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto init =
            co_await t.peer.expect(set_pattern(jingle_open("session-initiate", "*") + "</jingle>"));
        const std::string sid = jingle_of(init).attr("sid").value_or("");
        t.peer.send(ack(init));
        // Mallory knows the sid but is not the peer: the dispatcher routes by the iq's 'from'.
        const std::string mallory = "mallory@example.test/x";
        t.peer.send(inbound("m1", terminate(sid, "success"), mallory));
        co_await t.peer.expect("<iq type='error' id='m1' to='" + mallory +
                               "'><error type='cancel'><item-not-found xmlns='" + k_stanzas +
                               "'/><unknown-session xmlns='urn:xmpp:jingle:errors:1'/></error>"
                               "</iq>");
        // §6.8: an empty session-info is a ping; an unknown payload is unsupported-info.
        t.peer.send(inbound("p1", jingle_open("session-info", sid) + "</jingle>"));
        co_await t.peer.expect(result_pattern("p1"));
        t.peer.send(
            inbound("p2", jingle_open("session-info", sid) +
                              "<ringing xmlns='urn:xmpp:jingle:apps:rtp:info:1'/></jingle>"));
        co_await t.peer.expect("<iq type='error' id='p2'><error><feature-not-implemented xmlns='" +
                               k_stanzas +
                               "'/><unsupported-info xmlns='urn:xmpp:jingle:errors:1'/></error>"
                               "</iq>");
        t.peer.send(inbound("d1", terminate(sid, "decline", "not now")));
        co_await t.peer.expect(result_pattern("d1"));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(sink);
  CHECK(sink.error().kind == ErrorKind::remote);
  CHECK(sink.error().code == "declined");
  CHECK(sink.error().message ==
        "peer bob@example.test/laptop declined the file transfer (decline: not now)");
}

TEST_CASE("jingle-ft send: a refused session-initiate names the peer and the condition") {
  Scenario t;
  Result<std::unique_ptr<jingle_ft::OutgoingTransfer>> transfer =
      fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        transfer = co_await jingle_ft::OutgoingTransfer::offer(dispatch, jid(k_bob), ten_bytes(),
                                                               ibb_only());
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto init =
            co_await t.peer.expect(set_pattern(jingle_open("session-initiate", "*") + "</jingle>"));
        t.peer.send("<iq type='error' id='" + id_of(init) + "' from='" + std::string(k_bob) +
                    "' to='" + std::string(k_alice) +
                    "'><error type='cancel'><service-unavailable "
                    "xmlns='" +
                    k_stanzas + "'/></error></iq>");
        // Nothing more: no session-terminate follows a refused initiate.
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(transfer);
  CHECK(transfer.error().kind == ErrorKind::remote);
  CHECK(transfer.error().condition == "service-unavailable");
  CHECK(transfer.error().message.find("session-initiate to bob@example.test/laptop: refused") == 0);
}

// ---- receiving ----

TEST_CASE("jingle-ft receive over IBB: offer from the iq's 'from', block size lowered, bytes in "
          "order, terminate success") {
  Scenario t;
  std::optional<jingle_ft::IncomingOffer> seen;
  std::string received;
  Result<void> completed = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        jingle_ft::IncomingTransfers incoming(dispatch, {});
        auto offer = co_await incoming.next_offer(2s);
        REQUIRE_MESSAGE(offer, (offer ? "" : offer.error().message));
        seen = *offer;
        jingle_ft::AcceptOptions options;
        options.ibb_max_block_size = 4;
        options.request_timeout = 2s;
        options.idle_timeout = 2s;
        auto source = co_await incoming.accept(*offer, options);
        REQUIRE_MESSAGE(source, (source ? "" : source.error().message));
        std::vector<char> buffer(16);
        for (;;) {
          auto n = co_await (*source)->read(std::span<char>(buffer.data(), buffer.size()));
          REQUIRE_MESSAGE(n, (n ? "" : n.error().message));
          if (*n == 0) break;
          received.append(buffer.data(), *n);
        }
        completed = co_await incoming.complete(*offer, received == "abcdefghij", 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        // The 'initiator' attribute lies (row 50): the offer must name the iq's 'from'.
        t.peer.send(inbound(
            "i1", jingle_open("session-initiate", "S1", " initiator='mallory@example.test/x'") +
                      file_content(ibb_transport("B1", "8")) + "</jingle>"));
        co_await t.peer.expect(result_pattern("i1"));
        auto accept = co_await t.peer.expect(set_pattern(
            jingle_open("session-accept", "S1", " responder='" + std::string(k_alice) + "'") +
            "<content creator='initiator' name='file'><description xmlns='" + k_ft + "'/>" +
            ibb_transport("B1", "4") + "</content></jingle>"));
        t.peer.send(ack(accept));
        const std::string ibb = "xmlns='" + k_ibb + "' sid='B1'";
        t.peer.send(inbound("o1", "<open " + ibb + " block-size='4' stanza='iq'/>"));
        co_await t.peer.expect(result_pattern("o1"));
        t.peer.send(inbound("d0", "<data " + ibb + " seq='0'>YWJjZA==</data>"));
        t.peer.send(inbound("d1", "<data " + ibb + " seq='1'>ZWZnaA==</data>"));
        t.peer.send(inbound("d2", "<data " + ibb + " seq='2'>aWo=</data>"));
        co_await t.peer.expect(result_pattern("d0"));
        co_await t.peer.expect(result_pattern("d1"));
        co_await t.peer.expect(result_pattern("d2"));
        t.peer.send(inbound("c1", "<close " + ibb + "/>"));
        co_await t.peer.expect(result_pattern("c1"));
        auto end = co_await t.peer.expect(set_pattern(jingle_open("session-terminate", "S1") +
                                                      "<reason><success/></reason>"
                                                      "</jingle>"));
        t.peer.send(ack(end));
        co_await clean_close(t.peer);
      });
  REQUIRE(seen);
  CHECK(seen->peer.str() == k_bob);
  CHECK(seen->sid == "S1");
  CHECK(seen->file.name == "a.txt");
  CHECK(seen->file.size == 10u);
  CHECK(seen->transport == jingle_ft::TransportKind::ibb);
  CHECK(received == "abcdefghij");
  CHECK_MESSAGE(completed, (completed ? "" : completed.error().message));
}

TEST_CASE("jingle-ft receive ranged over IBB: accept with range offset 4 puts <range offset='4'/> "
          "into the offered <file/> of session-accept, and the rest arrives") {
  Scenario t;
  std::string received;
  Result<void> completed = fail(ErrorKind::software, "not_run", "", "");
  std::optional<xml::Element> accept;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        jingle_ft::IncomingTransfers incoming(dispatch, {});
        auto offer = co_await incoming.next_offer(2s);
        REQUIRE_MESSAGE(offer, (offer ? "" : offer.error().message));
        jingle_ft::AcceptOptions options;
        options.request_timeout = 2s;
        options.idle_timeout = 2s;
        options.range = jingle_ft::Range{4, std::nullopt, {}};
        auto source = co_await incoming.accept(*offer, options);
        REQUIRE_MESSAGE(source, (source ? "" : source.error().message));
        std::vector<char> buffer(16);
        for (;;) {
          auto n = co_await (*source)->read(std::span<char>(buffer.data(), buffer.size()));
          REQUIRE_MESSAGE(n, (n ? "" : n.error().message));
          if (*n == 0) break;
          received.append(buffer.data(), *n);
        }
        completed = co_await incoming.complete(*offer, received == "efghij", 2s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        t.peer.send(inbound("i1", jingle_open("session-initiate", "S4") +
                                      file_content(ibb_transport("B4", "4")) + "</jingle>"));
        co_await t.peer.expect(result_pattern("i1"));
        accept = co_await t.peer.expect(set_pattern(
            jingle_open("session-accept", "S4") +
            "<content creator='initiator' name='file' senders='initiator'><description xmlns='" +
            k_ft + "'><file><name>a.txt</name><range offset='4'/><size>10</size></file>" +
            "</description>" + ibb_transport("B4", "4") + "</content></jingle>"));
        t.peer.send(ack(*accept));
        const std::string ibb = "xmlns='" + k_ibb + "' sid='B4'";
        t.peer.send(inbound("o1", "<open " + ibb + " block-size='4' stanza='iq'/>"));
        co_await t.peer.expect(result_pattern("o1"));
        t.peer.send(inbound("d0", "<data " + ibb + " seq='0'>ZWZnaA==</data>"));  // efgh
        t.peer.send(inbound("d1", "<data " + ibb + " seq='1'>aWo=</data>"));      // ij
        co_await t.peer.expect(result_pattern("d0"));
        co_await t.peer.expect(result_pattern("d1"));
        t.peer.send(inbound("c1", "<close " + ibb + "/>"));
        co_await t.peer.expect(result_pattern("c1"));
        auto end = co_await t.peer.expect(set_pattern(jingle_open("session-terminate", "S4") +
                                                      "<reason><success/></reason></jingle>"));
        t.peer.send(ack(end));
        co_await clean_close(t.peer);
      });
  REQUIRE(accept);
  const auto* range = jingle_of(*accept)
                          .child("content", k_jingle)
                          ->child("description", k_ft)
                          ->child("file", k_ft)
                          ->child("range", k_ft);
  REQUIRE(range != nullptr);
  CHECK_FALSE(range->attr("length"));
  CHECK(range->elements().empty());  // no hashes
  CHECK(received == "efghij");
  CHECK_MESSAGE(completed, (completed ? "" : completed.error().message));
}

TEST_CASE("jingle-ft receive ranged: a range past the offered size is usage \"bad_range\"; the "
          "session is terminated failed-application, never accepted") {
  Scenario t;
  Result<std::unique_ptr<jingle_ft::ByteSource>> source =
      fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        jingle_ft::IncomingTransfers incoming(dispatch, {});
        auto offer = co_await incoming.next_offer(2s);
        REQUIRE_MESSAGE(offer, (offer ? "" : offer.error().message));
        jingle_ft::AcceptOptions options;
        options.request_timeout = 2s;
        options.range = jingle_ft::Range{8, 3, {}};
        source = co_await incoming.accept(*offer, options);
        stream::StanzaPredicate done = [](const xml::Element& e) { return e.name() == "message"; };
        auto woke = co_await s->wait_for(std::move(done), 2s);
        CHECK(woke);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        t.peer.send(inbound("i1", jingle_open("session-initiate", "S5") +
                                      file_content(ibb_transport("B5", "4")) + "</jingle>"));
        co_await t.peer.expect(result_pattern("i1"));
        // The next thing on the wire is the terminate: no session-accept went out.
        auto end = co_await t.peer.expect(set_pattern(jingle_open("session-terminate", "S5") +
                                                      "<reason><failed-application/>"
                                                      "<text>*</text></reason></jingle>"));
        t.peer.send(ack(end));
        t.peer.send("<message from='" + std::string(k_bob) + "' to='" + std::string(k_alice) +
                    "'><body>done</body></message>");
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(source);
  CHECK(source.error().kind == ErrorKind::usage);
  CHECK(source.error().code == "bad_range");
  CHECK(source.error().message ==
        "cannot ask bob@example.test/laptop for that part of the file: the range of 3 bytes at 8 "
        "ends past the file's size 10");
}

TEST_CASE("jingle-ft receive: an initiate without a file description is acknowledged, then "
          "terminated unsupported-applications (XEP-0166 §6.3.2)") {
  Scenario t;
  Result<jingle_ft::IncomingOffer> offer = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        jingle_ft::IncomingTransfers incoming(dispatch, {});
        offer = co_await incoming.next_offer(1s);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        t.peer.send(inbound("i1", jingle_open("session-initiate", "S2") +
                                      "<content creator='initiator' name='v'><description "
                                      "xmlns='urn:xmpp:jingle:apps:rtp:1'/>" +
                                      ibb_transport("B2", "4") + "</content></jingle>"));
        co_await t.peer.expect(result_pattern("i1"));
        auto end = co_await t.peer.expect(set_pattern(jingle_open("session-terminate", "S2") +
                                                      "<reason><unsupported-applications/>"
                                                      "</reason></jingle>"));
        t.peer.send(ack(end));
        co_await clean_close(t.peer);
      });
  REQUIRE_FALSE(offer);
  CHECK(offer.error().code == "timeout");
}

TEST_CASE("jingle-ft receive: beyond max_sessions a session-initiate is resource-constraint "
          "(SECURITY.md row 50)") {
  Scenario t;
  Result<jingle_ft::IncomingOffer> first = fail(ErrorKind::software, "not_run", "", "");
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        jingle_ft::IncomingOptions options;
        options.max_sessions = 1;
        jingle_ft::IncomingTransfers incoming(dispatch, options);
        first = co_await incoming.next_offer(2s);
        stream::StanzaPredicate done = [](const xml::Element& e) { return e.name() == "message"; };
        auto woke = co_await s->wait_for(std::move(done), 2s);
        CHECK(woke);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        t.peer.send(inbound("i1", jingle_open("session-initiate", "S1") +
                                      file_content(ibb_transport("B1", "4")) + "</jingle>"));
        co_await t.peer.expect(result_pattern("i1"));
        t.peer.send(inbound("i2", jingle_open("session-initiate", "S2") +
                                      file_content(ibb_transport("B2", "4")) + "</jingle>"));
        co_await t.peer.expect("<iq type='error' id='i2'><error type='wait'><resource-constraint "
                               "xmlns='" +
                               k_stanzas + "'/></error></iq>");
        t.peer.send("<message from='" + std::string(k_bob) + "' to='" + std::string(k_alice) +
                    "'><body>done</body></message>");
        co_await clean_close(t.peer);
      });
  REQUIRE(first);
  CHECK(first->sid == "S1");
}

TEST_CASE("jingle dispatch: a request for an unknown sid is item-not-found <unknown-session/>") {
  Scenario t;
  t.run(
      [&]() -> awaitable<void> {
        auto s = co_await open_session(t);
        jingle_ft::JingleDispatch dispatch(*s);
        stream::StanzaPredicate done = [](const xml::Element& e) { return e.name() == "message"; };
        auto woke = co_await s->wait_for(std::move(done), 2s);
        CHECK(woke);
        co_await s->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        t.peer.send(inbound("u1", terminate("nope", "success")));
        co_await t.peer.expect("<iq type='error' id='u1' to='" + std::string(k_bob) +
                               "'><error type='cancel'><item-not-found xmlns='" + k_stanzas +
                               "'/><unknown-session xmlns='urn:xmpp:jingle:errors:1'/></error>"
                               "</iq>");
        // Nobody takes sessions: a session-initiate is service-unavailable.
        t.peer.send(inbound("u2", jingle_open("session-initiate", "S3") +
                                      file_content(ibb_transport("B3", "4")) + "</jingle>"));
        co_await t.peer.expect("<iq type='error' id='u2'><error><service-unavailable xmlns='" +
                               k_stanzas + "'/></error></iq>");
        t.peer.send("<message from='" + std::string(k_bob) + "' to='" + std::string(k_alice) +
                    "'><body>done</body></message>");
        co_await clean_close(t.peer);
      });
}

// ---- both parties in one process: the scripted server relays between two sessions ----

namespace {

/// The harness logs in as alice only: the receiving party is Alice's second resource.
constexpr std::string_view k_second = "alice@example.test/res2";

/// Forwards every stanza one client sends to the other, stamped with the sender's full JID as
/// 'from' (what a server does), until the sending client ends its stream.
awaitable<void> relay(Peer& from_peer, std::string from_jid, Peer& to_peer) {
  for (;;) {
    auto stanza = co_await from_peer.next();
    if (!stanza) break;
    stanza->set_attr("from", from_jid);
    to_peer.send(xml::to_string(*stanza, "jabber:client"));
  }
  from_peer.send("</stream:stream>");
  co_await from_peer.expect_shutdown();
}

struct Pair {
  std::string sent;
  std::string expected;  ///< what should arrive: sent, or the part the receiver asked for
  std::string received;
  std::optional<jingle_ft::Range> seen_range;  ///< the sender's range()
  std::optional<jingle_ft::TransportKind> used;
  Result<void> finished = fail(ErrorKind::software, "not_run", "", "");
  Result<void> completed = fail(ErrorKind::software, "not_run", "", "");
  std::optional<Error> sender_error;  ///< accepted() failed
};

jingle_ft::S5bOptions local_s5b(bool direct) {
  jingle_ft::S5bOptions o;
  o.direct = direct;
  o.addresses = {asio::ip::make_address("127.0.0.1")};
  o.negotiate.allow_local = true;
  o.negotiate.dial_timeout = 1s;
  o.negotiate.dial_total = 2s;
  o.negotiate.peer_timeout = 3s;
  return o;
}

/// Alice offers `payload` to Bob over S5B (direct candidates on 127.0.0.1 when `direct`, else none,
/// which ends in the IBB fallback); Bob's receiver runs beside her on the same io_context and
/// asks for `range` of it (XEP-0234 §7) when given.
void send_between_two_sessions(
    Pair& out, bool direct,
    jingle_ft::TransportChoice choice = jingle_ft::TransportChoice::automatic,
    std::optional<jingle_ft::Range> range = std::nullopt) {
  Scenario t;
  auto bob_pipe = std::make_shared<Pipe>();
  Peer bob_server{bob_pipe};
  out.sent = std::string(100000, 'x');
  for (std::size_t i = 0; i < out.sent.size(); ++i)
    out.sent[i] = static_cast<char>('a' + i % 26);
  out.expected = out.sent;
  if (range)
    out.expected = out.sent.substr(static_cast<std::size_t>(range->offset.value_or(0)),
                                   range->length ? static_cast<std::size_t>(*range->length)
                                                 : std::string::npos);
  t.run(
      [&]() -> awaitable<void> {
        auto alice = co_await open_session(t);
        auto bob_options = t.options;
        auto bob_opened = co_await stream::Session::open_on(
            std::make_unique<FakeTransport>(bob_pipe), false, bob_options);
        REQUIRE_MESSAGE(bob_opened, (bob_opened ? "" : bob_opened.error().message));
        auto bob = std::move(*bob_opened);
        jingle_ft::JingleDispatch alice_dispatch(*alice);
        jingle_ft::JingleDispatch bob_dispatch(*bob);
        jingle_ft::IncomingTransfers incoming(bob_dispatch, {});
        bool bob_done = false;
        stream::Signal bob_signal;
        auto receiver = [&]() -> awaitable<void> {
          auto offer = co_await incoming.next_offer(3s);
          if (offer) {
            jingle_ft::AcceptOptions options;
            options.s5b = local_s5b(direct);
            options.request_timeout = 3s;
            options.fallback_timeout = 3s;
            options.idle_timeout = 3s;
            options.range = range;
            auto source = co_await incoming.accept(*offer, options);
            if (source) {
              std::vector<char> buffer(8192);
              for (;;) {
                auto n = co_await (*source)->read(std::span<char>(buffer.data(), buffer.size()));
                if (!n || *n == 0) break;
                out.received.append(buffer.data(), *n);
              }
              (*source)->cancel();
              out.completed = co_await incoming.complete(*offer, out.received == out.expected, 3s);
            } else {
              out.completed = fail(source.error());
            }
          }
          bob_done = true;
          bob_signal.notify_all();
        };
        asio::co_spawn(co_await asio::this_coro::executor, receiver(), asio::detached);

        jingle_ft::OfferOptions options;
        options.transport = choice;
        options.s5b = local_s5b(direct);
        options.request_timeout = 3s;
        options.accept_timeout = 5s;
        options.verdict_timeout = 5s;
        jingle_ft::File file;
        file.name = "big.bin";
        file.size = out.sent.size();
        auto transfer = co_await jingle_ft::OutgoingTransfer::offer(alice_dispatch, jid(k_second),
                                                                    file, options);
        REQUIRE_MESSAGE(transfer, (transfer ? "" : transfer.error().message));
        auto sink = co_await (*transfer)->accepted();
        if (!sink) {
          out.sender_error = sink.error();
          while (!bob_done)
            (void)co_await bob_signal.wait_until(std::chrono::steady_clock::now() + 5s);
          co_await alice->close();
          co_await bob->close();
          co_return;
        }
        out.used = (*transfer)->transport();
        out.seen_range = (*transfer)->range();
        std::string part = out.sent;
        if (out.seen_range)
          part = out.sent.substr(static_cast<std::size_t>(out.seen_range->offset.value_or(0)),
                                 out.seen_range->length
                                     ? static_cast<std::size_t>(*out.seen_range->length)
                                     : std::string::npos);
        auto wrote = co_await (*sink)->write(bytes_of(part));
        CHECK_MESSAGE(wrote, (wrote ? "" : wrote.error().message));
        auto closed = co_await (*sink)->close();
        CHECK_MESSAGE(closed, (closed ? "" : closed.error().message));
        out.finished = co_await (*transfer)->finish();
        while (!bob_done)
          (void)co_await bob_signal.wait_until(std::chrono::steady_clock::now() + 5s);
        co_await alice->close();
        co_await bob->close();
      },
      [&]() -> awaitable<void> {
        co_await t.peer.login(without_sm());
        auto bob_login = without_sm();
        bob_login.bound = std::string(k_second);
        co_await bob_server.login(bob_login);
        bool other_done = false;
        stream::Signal other_signal;
        auto bob_to_alice = [&]() -> awaitable<void> {
          co_await relay(bob_server, std::string(k_second), t.peer);
          other_done = true;
          other_signal.notify_all();
        };
        asio::co_spawn(co_await asio::this_coro::executor, bob_to_alice(), asio::detached);
        co_await relay(t.peer, std::string(k_alice), bob_server);
        while (!other_done)
          (void)co_await other_signal.wait_until(std::chrono::steady_clock::now() + 5s);
      },
      10000ms);
}

}  // namespace

TEST_CASE("jingle-ft end to end over S5B: direct candidates on 127.0.0.1, 100000 bytes, verified") {
  Pair out;
  send_between_two_sessions(out, true);
  CHECK(out.used == jingle_ft::TransportKind::s5b);
  CHECK(out.received.size() == out.sent.size());
  CHECK(out.received == out.sent);
  CHECK_MESSAGE(out.completed, (out.completed ? "" : out.completed.error().message));
  CHECK_MESSAGE(out.finished, (out.finished ? "" : out.finished.error().message));
}

TEST_CASE("jingle-ft end to end: no S5B candidate on either side falls back to IBB by "
          "transport-replace (XEP-0260 §2.6)") {
  Pair out;
  send_between_two_sessions(out, false);
  CHECK(out.used == jingle_ft::TransportKind::ibb);
  CHECK(out.received == out.sent);
  CHECK_MESSAGE(out.completed, (out.completed ? "" : out.completed.error().message));
  CHECK_MESSAGE(out.finished, (out.finished ? "" : out.finished.error().message));
}

TEST_CASE("jingle-ft end to end: S5B only and no candidate fails on both sides, the session "
          "terminated") {
  Pair out;
  send_between_two_sessions(out, false, jingle_ft::TransportChoice::s5b);
  REQUIRE(out.sender_error);
  CHECK(out.sender_error->code == "no_candidate");
  CHECK(out.received.empty());
  // The receiver waited for a fallback and learnt of the end from the sender's terminate.
  REQUIRE_FALSE(out.completed);
  CHECK(out.completed.error().code == "terminated");
  CHECK(out.completed.error().condition == "connectivity-error");
}

TEST_CASE(
    "jingle-ft end to end ranged over S5B: the receiver asks for bytes from 60000, the sender "
    "sees range() and sends only those") {
  Pair out;
  send_between_two_sessions(out, true, jingle_ft::TransportChoice::automatic,
                            jingle_ft::Range{60000, std::nullopt, {}});
  CHECK(out.used == jingle_ft::TransportKind::s5b);
  REQUIRE(out.seen_range);
  CHECK(out.seen_range->offset == 60000u);
  CHECK_FALSE(out.seen_range->length);
  CHECK(out.received.size() == 40000u);
  CHECK(out.received == out.expected);
  CHECK_MESSAGE(out.completed, (out.completed ? "" : out.completed.error().message));
  CHECK_MESSAGE(out.finished, (out.finished ? "" : out.finished.error().message));
}

TEST_CASE("jingle-ft end to end ranged after the IBB fallback: offset and length survive "
          "transport-replace") {
  Pair out;
  send_between_two_sessions(out, false, jingle_ft::TransportChoice::automatic,
                            jingle_ft::Range{1000, 5000, {}});
  CHECK(out.used == jingle_ft::TransportKind::ibb);
  REQUIRE(out.seen_range);
  CHECK(out.seen_range->offset == 1000u);
  CHECK(out.seen_range->length == 5000u);
  CHECK(out.received == out.expected);
  CHECK(out.received.size() == 5000u);
  CHECK_MESSAGE(out.finished, (out.finished ? "" : out.finished.error().message));
}
