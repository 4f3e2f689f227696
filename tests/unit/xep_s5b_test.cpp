// XEP-0065 SOCKS5 Bytestreams and XEP-0260 Jingle SOCKS5 transport codecs against the specs'
// numbered examples (tests/fixtures/xep0065-*, xep0260-*): XEP-0065 requests built equal to
// examples 7, 11, 17, 23 and the results of examples 16, 20 built from their requests; results
// read from examples 8, 16, 20; the proxy errors of examples 9, 10 through proxy_address. XEP-0260
// transports of examples 1, 3, 5, 7, 11, 12 read and built back, the activation of example 9, the
// DST.ADDR values of §2.2, the §2.2 priorities, and the candidate filter of SECURITY.md row 45.
#include <doctest/doctest.h>

#include "xep/s5b/s5b.hpp"
#include "xep/s5b/s5b_ops.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;
using test::with_from;

namespace {

constexpr std::string_view k_ns_jingle = "urn:xmpp:jingle:1";

std::string file65(int number, const char* slug) {
  return "xep0065-ex" + std::to_string(number) + "-" + slug + ".xml";
}
std::string file260(int number, const char* slug) {
  return "xep0260-ex" + std::to_string(number) + "-" + slug + ".xml";
}

/// The <transport/> inside an example's <jingle><content/></jingle>, as jingle-lib hands it over.
xml::Element transport_of(const xml::Element& iq) {
  const auto* jingle = iq.child("jingle", k_ns_jingle);
  REQUIRE(jingle != nullptr);
  const auto* content = jingle->child("content", k_ns_jingle);
  REQUIRE(content != nullptr);
  const auto* transport = content->child("transport", s5b::k_ns_jingle);
  REQUIRE(transport != nullptr);
  return *transport;
}

s5b::Transport parsed_transport(const std::string& name) {
  auto t = s5b::parse_transport(transport_of(example(name)));
  REQUIRE_MESSAGE(t.has_value(), (t ? std::string() : t.error().message));
  return *t;
}

s5b::Candidate candidate(std::string cid, std::string host, unsigned short port,
                         std::uint32_t priority = 100,
                         s5b::CandidateType type = s5b::CandidateType::direct) {
  return {std::move(cid), std::move(host), jid("juliet@capulet.lit/balcony"), port, priority, type};
}

std::vector<std::string> cids(const std::vector<s5b::Candidate>& candidates) {
  std::vector<std::string> out;
  for (const auto& c : candidates)
    out.push_back(c.cid);
  return out;
}

/// Runs `body(session)` against a FakeSession (as requester@example.com/foo) that answers with
/// `responder`, failing after 5 s. `body` returns the awaitable of an operation.
template <class T, class Body> T run_with(test::FakeSession::Responder responder, Body body) {
  asio::io_context io;
  test::FakeSession session(io.get_executor(), jid("requester@example.com/foo"));
  session.responder = std::move(responder);
  return test::run_coroutine<T>(
      io, [&] { return body(session); }, std::chrono::seconds(5));
}

}  // namespace

// ---- XEP-0065 ----

TEST_CASE("XEP-0065 §5.3.1 initiation: examples 11 (direct) and 17 (mediated) read and built") {
  auto ex = example(file65(11, "initiate-direct"));
  auto query = s5b::parse_initiate(ex);
  REQUIRE(query);
  CHECK(query->sid == "vxf9n471bn46");
  CHECK(query->mode == s5b::Mode::tcp);
  CHECK_FALSE(query->dstaddr);
  REQUIRE(query->streamhosts.size() == 1);
  CHECK(query->streamhosts[0] ==
        s5b::StreamHost{jid("requester@example.com/foo"), "192.168.4.1", 5086});
  CHECK(canonical(with_from(s5b::make_initiate(jid("target@example.org/bar"), *query, "hu3vax16"),
                            ex)) == canonical(ex));

  ex = example(file65(17, "initiate-mediated"));
  query = s5b::parse_initiate(ex);
  REQUIRE(query);
  REQUIRE(query->streamhosts.size() == 1);
  CHECK(query->streamhosts[0] == s5b::StreamHost{jid("streamer.example.com"), "24.24.24.1", 7625});
  CHECK(canonical(with_from(s5b::make_initiate(jid("target@example.org/bar"), *query, "npq71g53"),
                            ex)) == canonical(ex));
}

TEST_CASE("XEP-0065 §5.3.3 streamhost-used: examples 16 and 20 answer examples 11 and 17") {
  auto ex = example(file65(16, "streamhost-used-direct"));
  auto built = s5b::make_streamhost_used(example(file65(11, "initiate-direct")), "vxf9n471bn46",
                                         jid("requester@example.com/foo"));
  CHECK(canonical(with_from(built, ex)) == canonical(ex));
  CHECK(s5b::parse_streamhost_used(ex) == jid("requester@example.com/foo"));

  ex = example(file65(20, "streamhost-used-mediated"));
  built = s5b::make_streamhost_used(example(file65(17, "initiate-mediated")), "vxf9n471bn46",
                                    jid("streamer.example.com"));
  CHECK(canonical(with_from(built, ex)) == canonical(ex));
  CHECK(s5b::parse_streamhost_used(ex) == jid("streamer.example.com"));

  // A result without <streamhost-used/> names nothing.
  const auto empty = test::parse_stanza("<iq type='result' id='a'/>");
  CHECK(s5b::parse_streamhost_used(empty).error().code == "bad_reply");
}

TEST_CASE("XEP-0065 §4 the proxy's address: example 7 built, example 8 read") {
  const auto ex = example(file65(7, "address-request"));
  CHECK(canonical(with_from(s5b::make_address_request(jid("streamer.example.com"), "uj2c15z9"),
                            ex)) == canonical(ex));
  const auto hosts = s5b::parse_address_result(example(file65(8, "address-result")));
  REQUIRE(hosts);
  REQUIRE(hosts->size() == 1);
  CHECK((*hosts)[0] == s5b::StreamHost{jid("streamer.example.com"), "24.24.24.1", 7625});
}

TEST_CASE("XEP-0065 §6.3.5 activation: example 23 built") {
  const auto ex = example(file65(23, "activate"));
  CHECK(canonical(with_from(s5b::make_activate(jid("streamer.example.com"), "vxf9n471bn46",
                                               jid("target@example.org/bar"), "oqx6t1c9"),
                            ex)) == canonical(ex));
}

TEST_CASE("XEP-0065 <query/> and <streamhost/> that do not parse") {
  const auto query = [](std::string_view inner, std::string_view attrs = "sid='s1'") {
    return test::parse_stanza("<query xmlns='http://jabber.org/protocol/bytestreams' " +
                              std::string(attrs) + ">" + std::string(inner) + "</query>");
  };
  CHECK(s5b::parse_query(query("", "")).error().code == "bad_query");  // §5.3.1: no sid
  CHECK(s5b::parse_query(query("", "sid='s' mode='sctp'")).error().code == "bad_query");
  CHECK_FALSE(s5b::parse_query(query("<streamhost host='h' port='1'/>")));
  CHECK_FALSE(s5b::parse_query(query("<streamhost jid='a@b' port='1'/>")));
  CHECK_FALSE(s5b::parse_query(query("<streamhost jid='@b' host='h' port='1'/>")));
  for (const auto* port : {"0", "65536", "-1", "+1", " 1", "x", ""})
    CHECK_MESSAGE(!s5b::parse_query(
                      query("<streamhost jid='a@b' host='h' port='" + std::string(port) + "'/>")),
                  port);
  // §9.2: no port means 1080; mode udp and dstaddr are kept and written back.
  const auto q = s5b::parse_query(
      query("<streamhost jid='a@b' host='h'/>", "sid='s' mode='udp' dstaddr='abc'"));
  REQUIRE(q);
  CHECK(q->streamhosts[0].port == 1080);
  CHECK(q->mode == s5b::Mode::udp);
  CHECK(q->dstaddr == "abc");
  CHECK(*s5b::parse_query(s5b::make_query(*q)) == *q);
  // No streamhost at all is the proxy's business to refuse: parse_address_result does.
  const auto iq = test::parse_stanza(
      "<iq type='result'><query xmlns='http://jabber.org/protocol/bytestreams'/></iq>");
  CHECK(s5b::parse_address_result(iq).error().code == "bad_reply");
}

TEST_CASE("XEP-0065 §5.3.2 DST.ADDR: XEP-0260 §2.2's two values, JIDs normalised") {
  const auto romeo = jid("romeo@montague.lit/orchard");
  const auto juliet = jid("juliet@capulet.lit/balcony");
  CHECK(s5b::dst_addr("vj3hs98y", romeo, juliet) == "972b7bf47291ca609517f67f86b5081086052dad");
  CHECK(s5b::dst_addr("vj3hs98y", juliet, romeo) == "1a12fb7bc625e55f3ed5b29a53dbe0e4aa7d80ba");
  // Rule 4: the stringprep'd (normalised) JIDs are hashed, so case in local and domain parts
  // does not change the hash.
  CHECK(s5b::dst_addr("vj3hs98y", jid("Romeo@Montague.LIT/orchard"), juliet) ==
        "972b7bf47291ca609517f67f86b5081086052dad");
  CHECK(s5b::dst_addr("vj3hs98y", romeo, juliet).size() == 40);
}

// ---- the proxy over a session ----

TEST_CASE("XEP-0065 §4 proxy_address and activate over a session; examples 9 and 10 reworded") {
  const auto proxy = jid("streamer.example.com");
  using Hosts = Result<std::vector<s5b::StreamHost>>;
  auto hosts = run_with<Hosts>(
      [](const xml::Element& iq) -> std::optional<xml::Element> {
        CHECK(iq.attr("to") == "streamer.example.com");
        CHECK(iq.attr("type") == "get");
        return example(file65(8, "address-result"));
      },
      [&](test::FakeSession& s) { return s5b::proxy_address(s, proxy, std::chrono::seconds(1)); });
  REQUIRE(hosts);
  CHECK((*hosts)[0].port == 7625);

  for (const auto& refusal : {std::tuple{9, "proxy-forbidden", "you may not use this proxy"},
                              std::tuple{10, "proxy-not-allowed", "cannot act as a streamhost"}}) {
    // Plain copies: clang 14 cannot capture structured bindings in lambdas.
    const int number = std::get<0>(refusal);
    const char* slug = std::get<1>(refusal);
    const char* words = std::get<2>(refusal);
    auto refused = run_with<Hosts>(
        [&](const xml::Element&) -> std::optional<xml::Element> {
          return example(file65(number, slug));
        },
        [&](test::FakeSession& s) {
          return s5b::proxy_address(s, proxy, std::chrono::seconds(1));
        });
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::remote);
    CHECK(refused.error().message.find(words) != std::string::npos);
    CHECK(refused.error().message.find("SOCKS5 proxy streamer.example.com") == 0);
  }

  std::vector<xml::Element> sent;
  auto activated = run_with<Result<void>>(
      [&](const xml::Element& iq) -> std::optional<xml::Element> {
        sent.push_back(iq);
        return example(file65(24, "activate-result"));
      },
      [&](test::FakeSession& s) {
        return s5b::activate(s, proxy, "vxf9n471bn46", jid("target@example.org/bar"),
                             std::chrono::seconds(1));
      });
  CHECK(activated);
  REQUIRE(sent.size() == 1);
  const auto ex = example(file65(23, "activate"));
  auto built = sent[0];
  built.set_attr("id", "oqx6t1c9");
  CHECK(canonical(with_from(built, ex)) == canonical(ex));

  // No answer: a timeout, not a hang.
  auto silent = run_with<Result<void>>(nullptr, [&](test::FakeSession& s) {
    return s5b::activate(s, proxy, "s", jid("target@example.org/bar"),
                         std::chrono::milliseconds(20));
  });
  REQUIRE_FALSE(silent);
  CHECK(silent.error().code == "timeout");
}

TEST_CASE("XEP-0065 §4 find_proxy: the domain's items, the one with proxy/bytestreams") {
  auto found = run_with<Result<Jid>>(
      [](const xml::Element& iq) -> std::optional<xml::Element> {
        const auto to = iq.attr("to").value_or("");
        const bool items = iq.child("query", "http://jabber.org/protocol/disco#items") != nullptr;
        std::string reply;
        if (to == "example.com" && items)
          reply = "<iq type='result' from='example.com'><query "
                  "xmlns='http://jabber.org/protocol/disco#items'>"
                  "<item jid='chatrooms.example.com'/><item jid='streamer.example.com'/>"
                  "</query></iq>";
        else if (to == "streamer.example.com")
          reply = "<iq type='result' from='streamer.example.com'><query "
                  "xmlns='http://jabber.org/protocol/disco#info'><identity category='proxy' "
                  "type='bytestreams'/><feature var='http://jabber.org/protocol/bytestreams'/>"
                  "</query></iq>";
        else if (to == "chatrooms.example.com")
          return std::nullopt;  // never answers: skipped after its timeout
        else
          reply = "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'>"
                  "<identity category='server' type='im'/></query></iq>";
        return test::parse_stanza(reply);
      },
      [](test::FakeSession& s) {
        return s5b::find_proxy(s, jid("example.com"), std::chrono::milliseconds(50));
      });
  REQUIRE(found);
  CHECK(*found == jid("streamer.example.com"));
}

// ---- XEP-0260 ----

TEST_CASE("XEP-0260 §2.2 session-initiate transport: example 1 read and built back") {
  const auto ex = example(file260(1, "session-initiate"));
  const auto t = parsed_transport(file260(1, "session-initiate"));
  CHECK(t.sid == "vj3hs98y");
  CHECK(t.dstaddr == "972b7bf47291ca609517f67f86b5081086052dad");
  CHECK(t.mode == s5b::Mode::tcp);
  CHECK_FALSE(t.notice);
  REQUIRE(t.candidates.size() == 3);
  CHECK(t.candidates[0] == s5b::Candidate{"hft54dqy", "192.168.4.1",
                                          jid("romeo@montague.lit/orchard"), 5086, 8257636,
                                          s5b::CandidateType::direct});
  CHECK(t.candidates[2].type == s5b::CandidateType::proxy);
  CHECK(t.candidates[2].jid == jid("streamer.shakespeare.lit"));
  CHECK(canonical(s5b::make_transport(t)) == canonical(transport_of(ex)));
  // The initiator's dstaddr is SHA-1(SID + initiator + responder).
  CHECK(*t.dstaddr ==
        s5b::dst_addr(t.sid, jid("romeo@montague.lit/orchard"), jid("juliet@capulet.lit/balcony")));
}

TEST_CASE("XEP-0260 §2.2 session-accept transport: example 3 (IPv6, assisted, proxy, no mode)") {
  const auto ex = example(file260(3, "session-accept"));
  const auto t = parsed_transport(file260(3, "session-accept"));
  CHECK_FALSE(t.mode);
  REQUIRE(t.candidates.size() == 4);
  CHECK(t.candidates[1].host == "2001:638:708:30c9:219:d1ff:fea4:a17d");
  CHECK(t.candidates[2].type == s5b::CandidateType::assisted);
  CHECK(t.candidates[3].port == 7676);
  CHECK(canonical(s5b::make_transport(t)) == canonical(transport_of(ex)));
  CHECK(*t.dstaddr ==
        s5b::dst_addr(t.sid, jid("juliet@capulet.lit/balcony"), jid("romeo@montague.lit/orchard")));
}

TEST_CASE("XEP-0260 §2.3-§2.4 notices: examples 5, 7, 11, 12 read and built back") {
  const std::tuple<int, const char*, s5b::NoticeKind, const char*> cases[] = {
      {5, "candidate-used", s5b::NoticeKind::candidate_used, "hr65dqyd"},
      {7, "candidate-error", s5b::NoticeKind::candidate_error, ""},
      {11, "activated", s5b::NoticeKind::activated, "xmdh4b7i"},
      {12, "proxy-error", s5b::NoticeKind::proxy_error, ""},
  };
  for (const auto& c : cases) {
    const auto& [number, slug, kind, cid] = c;
    const int n = number;
    CAPTURE(n);
    const auto ex = example(file260(number, slug));
    const auto t = parsed_transport(file260(number, slug));
    CHECK(t.sid == "vj3hs98y");
    CHECK(t.candidates.empty());
    REQUIRE(t.notice);
    CHECK(t.notice->kind == kind);
    CHECK(t.notice->cid == cid);
    CHECK(canonical(s5b::make_transport(t)) == canonical(transport_of(ex)));
  }
}

TEST_CASE("XEP-0260 §2.4 activation at the proxy: example 9 built") {
  // The example names the Jingle sid in the <query/>; the bytestream is identified by whatever
  // sid the caller passes (the transport's, in practice).
  const auto ex = example(file260(9, "activate"));
  CHECK(canonical(with_from(s5b::make_activate(jid("streamer.shakespeare.lit"), "a73sjjvkla37jfea",
                                               jid("romeo@montague.lit/orchard"), "vy1fa63k"),
                            ex)) == canonical(ex));
}

TEST_CASE("XEP-0260 <transport/>s that do not parse (the Jingle answer is bad-request)") {
  const auto parse = [](std::string_view inner, std::string_view attrs = "sid='s'") {
    return s5b::parse_transport(
        test::parse_stanza("<transport xmlns='urn:xmpp:jingle:transports:s5b:1' " +
                           std::string(attrs) + ">" + std::string(inner) + "</transport>"));
  };
  const std::string good = "cid='c' host='h' jid='a@b' port='1' priority='1'";
  CHECK(parse("<candidate " + good + "/>"));
  CHECK(parse("", "").error().code == "bad_transport");
  CHECK_FALSE(parse("", "sid='s' mode='x'"));
  CHECK_FALSE(parse("<candidate host='h' jid='a@b' port='1' priority='1'/>"));
  CHECK_FALSE(parse("<candidate cid='c' jid='a@b' port='1' priority='1'/>"));
  CHECK_FALSE(parse("<candidate cid='c' host='h' port='1' priority='1'/>"));
  CHECK_FALSE(parse("<candidate cid='c' host='h' jid='a@b' port='1'/>"));
  for (const auto* priority : {"0", "-5", "4294967296", "1e3", "x"})
    CHECK_MESSAGE(
        !parse("<candidate cid='c' host='h' jid='a@b' priority='" + std::string(priority) + "'/>"),
        priority);
  CHECK_FALSE(parse("<candidate cid='c' host='h' jid='a@b' port='65536' priority='1'/>"));
  CHECK_FALSE(parse("<candidate " + good + " type='relay'/>"));
  CHECK_FALSE(parse("<candidate-used/>"));
  CHECK_FALSE(parse("<activated cid=''/>"));
  CHECK_FALSE(parse("<candidate-error/><proxy-error/>"));
  CHECK_FALSE(parse("<candidate " + good + "/><candidate-error/>"));
  CHECK_FALSE(s5b::parse_transport(test::parse_stanza(
      "<transport xmlns='urn:xmpp:jingle:transports:ibb:1' sid='s' block-size='1'/>")));
  // Port 0 parses (the filter drops that candidate); type and port have defaults.
  const auto zero = parse("<candidate cid='c' host='h' jid='a@b' port='0' priority='1'/>");
  REQUIRE(zero);
  CHECK(zero->candidates[0].port == 0);
  const auto defaults = parse("<candidate cid='c' host='h' jid='a@b' priority='1'/>");
  REQUIRE(defaults);
  CHECK(defaults->candidates[0].port == 1080);
  CHECK(defaults->candidates[0].type == s5b::CandidateType::direct);
}

TEST_CASE("XEP-0260 §2.2 priorities: the type preferences and the examples' values") {
  CHECK(s5b::type_preference(s5b::CandidateType::direct) == 126);
  CHECK(s5b::type_preference(s5b::CandidateType::assisted) == 120);
  CHECK(s5b::type_preference(s5b::CandidateType::tunnel) == 110);
  CHECK(s5b::type_preference(s5b::CandidateType::proxy) == 10);
  CHECK(s5b::candidate_priority(s5b::CandidateType::direct, 100) == 8257636);
  CHECK(s5b::candidate_priority(s5b::CandidateType::assisted, 0) == 7864320);
  CHECK(s5b::candidate_priority(s5b::CandidateType::proxy, 65535) <
        s5b::candidate_priority(s5b::CandidateType::tunnel, 0));
  // Example 1 in the order to try: 8258636, 8257636, then the proxy's 7878787.
  const auto t = parsed_transport(file260(1, "session-initiate"));
  CHECK(cids(s5b::by_priority(t.candidates)) ==
        std::vector<std::string>{"hutr46fe", "hft54dqy", "xmdh4b7i"});
  // Equal priorities keep the offer's order.
  CHECK(cids(s5b::by_priority({candidate("a", "h1", 1, 5), candidate("b", "h2", 1, 9),
                               candidate("c", "h3", 1, 5)})) ==
        std::vector<std::string>{"b", "a", "c"});
}

// ---- SECURITY.md row 45 ----

TEST_CASE("address_scope: loopback, link-local, private, unusable and global hosts") {
  using S = s5b::AddressScope;
  const std::pair<const char*, S> table[] = {
      {"127.0.0.1", S::loopback},
      {"127.255.0.9", S::loopback},
      {"::1", S::loopback},
      {"[::1]", S::loopback},
      {"::ffff:127.0.0.1", S::loopback},
      {"localhost", S::loopback},
      {"LocalHost.", S::loopback},
      {"db.localhost", S::loopback},
      {"169.254.169.254", S::link_local},
      {"fe80::1", S::link_local},
      {"10.1.2.3", S::private_net},
      {"172.16.0.1", S::private_net},
      {"172.31.255.255", S::private_net},
      {"192.168.4.1", S::private_net},
      {"100.64.0.1", S::private_net},
      {"fd00::1", S::private_net},
      {"fc00::1", S::private_net},
      {"::ffff:10.0.0.1", S::private_net},
      {"0.0.0.0", S::unusable},
      {"::", S::unusable},
      {"224.0.0.1", S::unusable},
      {"255.255.255.255", S::unusable},
      {"ff02::1", S::unusable},
      {"240.1.1.1", S::unusable},
      {"24.24.24.1", S::global},
      {"172.32.0.1", S::global},
      {"2001:638:708:30c9:219:d1ff:fea4:a17d", S::global},
      {"proxy.example.net", S::global},
      {"123.456.7.8", S::global},  // a name, not an address
  };
  for (const auto& row : table) {
    const char* host = row.first;
    const auto scope = row.second;
    CAPTURE(host);
    CHECK(s5b::address_scope(host) == scope);
  }
}

TEST_CASE("SECURITY.md row 45: local, port 0, repeated and surplus candidates are not dialled") {
  std::vector<s5b::Candidate> offer = {
      candidate("redis", "127.0.0.1", 6379, 900),
      candidate("ssh", "::1", 22, 899),
      candidate("metadata", "169.254.169.254", 80, 898),
      candidate("lan", "192.168.1.10", 5086, 897),
      candidate("ula", "fd12:3456::1", 5086, 896),
      candidate("mapped", "::ffff:127.0.0.1", 5086, 895),
      candidate("localhost", "localhost", 5086, 894),
      candidate("any", "0.0.0.0", 5086, 893),
      candidate("zero", "24.24.24.1", 0, 892),
      candidate("empty", "", 5086, 891),
      candidate("public", "24.24.24.1", 5086, 500),
      candidate("same-endpoint", "24.24.24.1", 5086, 400),
      candidate("public", "24.24.24.2", 5086, 300),  // repeated cid
      candidate("named", "proxy.example.net", 7777, 10, s5b::CandidateType::proxy),
  };
  auto filtered = s5b::filter_candidates(offer, {});
  CHECK(cids(filtered.kept) == std::vector<std::string>{"public", "named"});
  CHECK(filtered.dropped.size() == offer.size() - 2);
  for (const auto& d : filtered.dropped) {
    CAPTURE(d.candidate.cid);
    CHECK_FALSE(d.reason.empty());
  }
  CHECK(filtered.dropped[0].reason == "loopback address 127.0.0.1");
  CHECK(filtered.dropped[2].reason == "link-local address 169.254.169.254");

  // --allow-local-candidates: local ones are dialled, the unusable, port 0 and repeats never.
  filtered = s5b::filter_candidates(offer, {.allow_local = true});
  CHECK(cids(filtered.kept) == std::vector<std::string>{"redis", "ssh", "metadata", "lan", "ula",
                                                        "mapped", "localhost", "public", "named"});

  // 1 000 candidates: the 16 of highest priority are kept.
  std::vector<s5b::Candidate> flood;
  for (int i = 0; i < 1000; ++i)
    flood.push_back(
        candidate("c" + std::to_string(i),
                  "24.24." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1), 5086,
                  static_cast<std::uint32_t>(i + 1)));
  filtered = s5b::filter_candidates(flood, {});
  REQUIRE(filtered.kept.size() == s5b::k_max_candidates);
  CHECK(filtered.kept.front().cid == "c999");
  CHECK(filtered.kept.back().cid == "c984");
  CHECK(filtered.dropped.size() == 1000 - s5b::k_max_candidates);
  CHECK(filtered.dropped.back().reason == "more than 16 candidates");

  // Repeated host:port compares the host without case.
  filtered = s5b::filter_candidates(
      {candidate("a", "Proxy.Example.NET", 7, 2), candidate("b", "proxy.example.net", 7, 1)}, {});
  CHECK(cids(filtered.kept) == std::vector<std::string>{"a"});
}
