// XEP-0234 Jingle File Transfer against the spec's numbered examples (tests/fixtures/xep0234-*):
// the offer (1, 16), accept (3), request (5), content-add (6), ranged offer (8), received (13),
// checksums (14, 15), the §9 errors (17, 18), aborts (9, 10, 12) and the disco features (20);
// the <size/> checks of SECURITY.md row 48 and the file-name sanitiser of row 47.
#include <doctest/doctest.h>

#include <string>

#include "xep/disco/disco.hpp"
#include "xep/jingle/jingle.hpp"
#include "xep/jingle_ft/file_name.hpp"
#include "xep/jingle_ft/jingle_ft.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;
using test::with_from;

namespace {

std::string ft_example(int number, const char* slug) {
  return "xep0234-ex" + std::to_string(number) + "-" + slug + ".xml";
}

jingle::Jingle jingle_of(const xml::Element& iq) {
  const auto* j = iq.child("jingle", jingle::k_ns);
  REQUIRE(j != nullptr);
  auto parsed = jingle::parse(*j);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().message));
  return *parsed;
}

jingle_ft::File file_of(const jingle::Content& content) {
  auto f = jingle_ft::file_of(content);
  REQUIRE(f.has_value());
  REQUIRE_MESSAGE(*f, (*f ? "" : f->error().message));
  return **f;
}

void check_iq(const jingle::Jingle& built, const xml::Element& ex) {
  CHECK(canonical(with_from(jingle::make_iq(jid(*ex.attr("to")), built, *ex.attr("id")), ex)) ==
        canonical(ex));
}

const std::string k_sha1 = "w0mcJylzCn+AfvuGdqkty2+KP48=";

}  // namespace

TEST_CASE("XEP-0234 §6.1 offer: example 1 read, and built from a File and the S5B transport") {
  const auto ex = example(ft_example(1, "offer"));
  const auto j = jingle_of(ex);
  REQUIRE(j.contents.size() == 1);
  const auto& content = j.contents[0];
  CHECK(jingle_ft::is_offer(content));
  const auto f = file_of(content);
  CHECK(f.date == "1969-07-21T02:56:15Z");
  CHECK(f.desc == "This is a test. If this were a real file...");
  CHECK(f.media_type == "text/plain");
  CHECK(f.name == "test.txt");
  CHECK(f.size == 6144u);
  REQUIRE(f.range);
  CHECK_FALSE(f.range->offset);
  CHECK_FALSE(f.range->length);
  REQUIRE(f.hashes.size() == 1);
  CHECK(f.hashes[0].algo == "sha-1");
  CHECK(f.hashes[0].digest.size() == 20);
  CHECK(f.hash_used.empty());
  CHECK(jingle_ft::expected_bytes(f) == 6144u);

  // Built: our description, their transport element passed through untouched.
  jingle::Content c;
  c.creator = jingle::Role::initiator;
  c.name = "a-file-offer";
  c.senders = jingle::Senders::initiator;
  c.description = jingle_ft::make_description(f);
  c.transport = content.transport;
  check_iq(
      jingle::make_session_initiate("851ba2", jid("romeo@montague.example/dr4hcr0st3lup4c"), {c}),
      ex);
}

TEST_CASE("XEP-0234 §6.1 accept (example 3), §8.2 hash-used (example 16)") {
  const auto accept_ex = example(ft_example(3, "accept"));
  const auto accept = jingle_of(accept_ex);
  CHECK(jingle::validate(accept));
  const auto f = file_of(accept.contents.at(0));
  CHECK(f.name == "test.txt");
  auto c = accept.contents[0];
  c.description = jingle_ft::make_description(f);
  check_iq(
      jingle::make_session_accept("851ba2", jid("juliet@capulet.example/yn0cl4bnw0yr3vym"), {c}),
      accept_ex);

  const auto used_ex = example(ft_example(16, "hash-used"));
  const auto used = jingle_of(used_ex);
  const auto g = file_of(used.contents.at(0));
  CHECK(g.hashes.empty());
  CHECK(g.hash_used == std::vector<std::string>{"sha-1"});
  auto d = used.contents[0];
  d.description = jingle_ft::make_description(g);
  check_iq(
      jingle::make_session_initiate("851ba2", jid("romeo@montague.example/dr4hcr0st3lup4c"), {d}),
      used_ex);
}

TEST_CASE("XEP-0234 §6.2 request (example 5), §6.3 content-add (example 6), §6.4 range (8)") {
  const auto request = jingle_of(example(ft_example(5, "request")));
  CHECK_FALSE(jingle_ft::is_offer(request.contents.at(0)));
  const auto wanted = file_of(request.contents[0]);
  CHECK_FALSE(wanted.name);
  CHECK(wanted.hashes.at(0).algo == "sha-1");
  CHECK(jingle_ft::parse_file(jingle_ft::make_file(wanted)) == wanted);
  auto c = request.contents[0];
  c.description = jingle_ft::make_description(wanted);
  check_iq(
      jingle::make_session_initiate("uj3b2", jid("juliet@capulet.example/yn0cl4bnw0yr3vym"), {c}),
      example(ft_example(5, "request")));

  // Example 6 writes name before media-type: compared as data, not as bytes.
  const auto add_ex = example(ft_example(6, "content-add"));
  const auto add = jingle_of(add_ex);
  CHECK(add.action == jingle::Action::content_add);
  CHECK(jingle::validate(add));
  const auto second = file_of(add.contents.at(0));
  CHECK(second.name == "second-file.txt");
  CHECK(second.size == 6144u);
  CHECK(jingle_ft::parse_file(jingle_ft::make_file(second)) == second);
  CHECK(jingle::parse(jingle::to_element(add)) == add);

  const auto ranged_ex = example(ft_example(8, "offer-range"));
  const auto ranged = jingle_of(ranged_ex);
  const auto part = file_of(ranged.contents.at(0));
  REQUIRE(part.range);
  CHECK(part.range->offset == 270336u);
  CHECK_FALSE(part.size);
  // No size: we cannot bound the write (SECURITY.md row 48).
  CHECK(jingle_ft::expected_bytes(part).error().code == "no_size");
  auto r = ranged.contents[0];
  r.description = jingle_ft::make_description(part);
  check_iq(
      jingle::make_session_initiate("uj3b2", jid("romeo@montague.example/dr4hcr0st3lup4c"), {r}),
      ranged_ex);
}

TEST_CASE("XEP-0234 §6.5, §6.6 abort and end: examples 9, 10, 12") {
  const auto all_ex = example(ft_example(9, "abort-all"));
  check_iq(jingle::make_session_terminate("a73sjjvkla37jfea",
                                          jingle::make_reason(jingle::ReasonCondition::cancel)),
           all_ex);
  const auto remove_ex = example(ft_example(10, "content-remove"));
  const auto remove = jingle_of(remove_ex);
  jingle::Content named;
  named.name = "a-file-offer";
  check_iq(jingle::make_content_action(jingle::Action::content_remove, "a73sjjvkla37jfea", {named},
                                       jingle::make_reason(jingle::ReasonCondition::cancel)),
           remove_ex);
  CHECK(remove.contents.at(0).name == "a-file-offer");
  check_iq(jingle::make_session_terminate("a73sjjvkla37jfea",
                                          jingle::make_reason(jingle::ReasonCondition::success)),
           example(ft_example(12, "terminate-success")));
}

TEST_CASE("XEP-0234 §8.1 received (example 13), §8.2 checksum (examples 14, 15)") {
  const auto received_ex = example(ft_example(13, "received"));
  const auto received = jingle_of(received_ex);
  REQUIRE(received.payloads.size() == 1);
  const auto r = jingle_ft::parse_received(received.payloads[0]);
  REQUIRE(r);
  CHECK(r->creator == jingle::Role::initiator);
  CHECK(r->name == "a-file-offer");
  check_iq(jingle::make_session_info(received.sid, jingle_ft::make_received(*r)), received_ex);

  const auto checksum_ex = example(ft_example(14, "checksum"));
  const auto checksum = jingle_ft::parse_checksum(jingle_of(checksum_ex).payloads.at(0));
  REQUIRE(checksum);
  CHECK(checksum->name == "a-file-offer");
  CHECK(checksum->file.hashes.at(0).algo == "sha-1");
  check_iq(jingle::make_session_info("a73sjjvkla37jfea", jingle_ft::make_checksum(*checksum)),
           checksum_ex);

  const auto range_ex = example(ft_example(15, "checksum-range"));
  const auto ranged = jingle_ft::parse_checksum(jingle_of(range_ex).payloads.at(0));
  REQUIRE(ranged);
  REQUIRE(ranged->file.range);
  CHECK(ranged->file.range->offset == 2048u);
  CHECK(ranged->file.range->length == 1024u);
  CHECK(ranged->file.range->hashes.at(0).algo == "sha-1");
  check_iq(jingle::make_session_info("a73sjjvkla37jfea", jingle_ft::make_checksum(*ranged)),
           range_ex);

  // Missing attributes or file.
  xml::Element bad("checksum", std::string(jingle_ft::k_ns));
  bad.set_attr("creator", "initiator");
  CHECK_FALSE(jingle_ft::parse_checksum(bad));
  bad.set_attr("name", "x");
  CHECK(jingle_ft::parse_checksum(bad).error().code == "bad_file");
  CHECK_FALSE(jingle_ft::parse_received(xml::Element("received", std::string(jingle_ft::k_ns))));
}

TEST_CASE("XEP-0234 §9 errors: examples 17 and 18") {
  const auto na_ex = example(ft_example(17, "file-not-available"));
  const auto na = jingle_of(na_ex);
  REQUIRE(na.reason);
  CHECK(jingle_ft::ft_condition(*na.reason) == jingle_ft::FtCondition::file_not_available);
  check_iq(jingle::make_content_action(
               jingle::Action::content_reject, "uj3b2", na.contents,
               jingle_ft::make_reason(jingle_ft::FtCondition::file_not_available)),
           na_ex);

  const auto big_ex = example(ft_example(18, "file-too-large"));
  const auto big = jingle_of(big_ex);
  CHECK(big.reason->condition == jingle::ReasonCondition::media_error);
  CHECK(jingle_ft::ft_condition(*big.reason) == jingle_ft::FtCondition::file_too_large);
  check_iq(
      jingle::make_content_action(jingle::Action::content_remove, "uj3b2", big.contents,
                                  jingle_ft::make_reason(jingle_ft::FtCondition::file_too_large)),
      big_ex);
  CHECK_FALSE(jingle_ft::ft_condition(jingle::make_reason(jingle::ReasonCondition::busy)));
}

TEST_CASE("XEP-0234 §10 example 20: the features a file-transfer peer advertises") {
  const auto info = disco::parse_info_result(example(ft_example(20, "disco-info")));
  REQUIRE(info);
  CHECK(info->has_feature(std::string(jingle::k_ns)));
  CHECK(info->has_feature(std::string(jingle_ft::k_ns)));
}

TEST_CASE("SECURITY.md row 48: <size/>, offset and length are numbers from 0 to 2^63-1") {
  CHECK(jingle_ft::parse_size("0") == 0u);
  CHECK(jingle_ft::parse_size(" 6144\n") == 6144u);
  CHECK(jingle_ft::parse_size("9223372036854775807") == jingle_ft::k_max_size);
  for (const char* bad :
       {"", " ", "-1", "+1", "1e3", "0x10", "12a", "1 2", "9223372036854775808",
        "18446744073709551615", "18446744073709551616", "99999999999999999999999"}) {
    CAPTURE(bad);
    const auto r = jingle_ft::parse_size(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "bad_file");
    CHECK(r.error().kind == ErrorKind::protocol);
  }
  // In a file element.
  auto f = jingle_ft::make_file({});
  f.add_child(xml::Element("size", std::string(jingle_ft::k_ns))).add_text("-5");
  CHECK_FALSE(jingle_ft::parse_file(f));
  auto g = jingle_ft::make_file({});
  g.add_child(xml::Element("range", std::string(jingle_ft::k_ns)))
      .set_attr("offset", "18446744073709551615");
  CHECK_FALSE(jingle_ft::parse_file(g));
  // A bad hash inside the file.
  auto h = jingle_ft::make_file({});
  h.add_child(xml::Element("hash", std::string(hashes::k_ns)))
      .set_attr("algo", "sha-256")
      .add_text("*");
  CHECK_FALSE(jingle_ft::parse_file(h));
}

TEST_CASE("SECURITY.md row 48: expected bytes and --max-size") {
  jingle_ft::File f;
  CHECK(jingle_ft::expected_bytes(f).error().code == "no_size");
  f.size = 1024;
  CHECK(jingle_ft::expected_bytes(f) == 1024u);
  f.range = jingle_ft::Range{100, std::nullopt, {}};
  CHECK(jingle_ft::expected_bytes(f) == 924u);
  f.range->length = 24;
  CHECK(jingle_ft::expected_bytes(f) == 24u);
  f.range->length = 925;
  CHECK(jingle_ft::expected_bytes(f).error().code == "bad_range");
  f.range = jingle_ft::Range{1025, std::nullopt, {}};
  CHECK(jingle_ft::expected_bytes(f).error().code == "bad_range");
  f.range = jingle_ft::Range{1024, std::nullopt, {}};
  CHECK(jingle_ft::expected_bytes(f) == 0u);

  CHECK(jingle_ft::check_max_size(1024, std::nullopt));
  CHECK(jingle_ft::check_max_size(1024, 1024));
  const auto over = jingle_ft::check_max_size(1025, 1024);
  REQUIRE_FALSE(over);
  CHECK(over.error().code == "too_large");
  CHECK(over.error().kind == ErrorKind::data);
}

TEST_CASE("XEP-0234 §4.1 offers and requests by creator and senders") {
  jingle::Content c;
  c.creator = jingle::Role::responder;
  c.senders = jingle::Senders::responder;
  CHECK(jingle_ft::is_offer(c));
  c.senders = jingle::Senders::initiator;
  CHECK_FALSE(jingle_ft::is_offer(c));
  c.senders.reset();  // both: neither an offer nor a request we handle
  CHECK_FALSE(jingle_ft::is_offer(c));
  // Another application's description is not ours.
  c.description = xml::Element("description", "urn:xmpp:jingle:apps:rtp:1");
  CHECK_FALSE(jingle_ft::file_of(c).has_value());
}

// ---- the file-name sanitiser (SECURITY.md row 47) ----

namespace {

std::string safe(std::string_view name) {
  auto r = jingle_ft::safe_file_name(name);
  REQUIRE_MESSAGE(r, name);
  return *r;
}

void refused(std::string_view name) {
  const auto r = jingle_ft::safe_file_name(name);
  REQUIRE_FALSE_MESSAGE(r, name);
  CHECK(r.error().code == "bad_file_name");
  CHECK(r.error().kind == ErrorKind::data);
}

}  // namespace

TEST_CASE("cve_2021_33896 safe_file_name: the row 47 names") {
  CHECK(safe("test.txt") == "test.txt");
  CHECK(safe("../../etc/passwd") == "passwd");
  CHECK(safe("/etc/passwd") == "passwd");
  CHECK(safe("..\\..\\x") == "x");
  CHECK(safe("%2e%2e%2fx") == "%2e%2e%2fx");  // percent-encoding is not decoded
  CHECK(safe("a/b") == "b");
  refused(".");
  refused("..");
  refused("");
  refused("a/");
  refused("a/..");
  refused("...");
  refused(" . ");
  CHECK(safe(std::string("a\0b", 3)) == "a_b");
  CHECK(safe("evil\x1b[31mred") == "evil_[31mred");
  CHECK(safe("bell\x07\x7f") == "bell__");
  CHECK(safe("CON") == "_CON");
  CHECK(safe("con.txt") == "_con.txt");
  CHECK(safe("Lpt9.tar.gz") == "_Lpt9.tar.gz");
  CHECK(safe("nul .txt") == "_nul .txt");
  CHECK(safe("COM0") == "COM0");
  CHECK(safe("CONSOLE") == "CONSOLE");
  CHECK(safe("name.") == "name");
  CHECK(safe("name . . ") == "name");
  CHECK(safe("a\xe2\x88\x95"
             "b") == "b");  // U+2215 DIVISION SLASH
  CHECK(safe("a\xe2\x81\x84"
             "b") == "b");  // U+2044 FRACTION SLASH
  CHECK(safe("a\xef\xbc\x8f"
             "b") == "b");  // U+FF0F FULLWIDTH SOLIDUS
  CHECK(safe("..\xe2\x88\x95..\xe2\x88\x95x") == "x");
  CHECK(safe("gpj\xe2\x80\xae.exe") == "gpj_.exe");  // U+202E RIGHT-TO-LEFT OVERRIDE
  CHECK(safe("a\xc2\x85"
             "b") == "a_b");  // U+0085 NEL, a C1 control
  CHECK(safe(".profile") == "_profile");  // never a hidden (startup) file
  CHECK(safe("..bashrc") == "_.bashrc");
  CHECK(safe("a/.ssh") == "_ssh");
  CHECK(safe("caf\xc3\xa9.txt") == "caf\xc3\xa9.txt");
  refused("\xff\xfe");
  refused("a\xc0\xaf"
          "b");             // overlong '/'
  refused("\xed\xa0\x80");  // a surrogate
  refused("abc\xe2\x88");   // truncated
}

TEST_CASE("safe_file_name: long names are cut to 255 bytes on a UTF-8 boundary, keeping the "
          "extension") {
  const auto long_ascii = safe(std::string(4096, 'a') + ".txt");
  CHECK(long_ascii.size() == 255);
  CHECK(long_ascii.substr(251) == ".txt");

  // "é" is two bytes: 251 bytes of stem would split one, so the stem backs off to 250.
  std::string accented;
  for (int i = 0; i < 300; ++i)
    accented += "\xc3\xa9";
  const auto cut = safe(accented + ".txt");
  CHECK(cut.size() == 254);
  CHECK(cut.substr(250) == ".txt");

  // A long "extension" is not kept.
  const auto no_ext = safe("x." + std::string(300, 'b'));
  CHECK(no_ext.size() == 255);
  CHECK(no_ext.substr(0, 2) == "x.");

  // A cut that exposes trailing spaces and a device name.
  const auto device = safe("CON" + std::string(300, ' ') + "a");
  CHECK(device == "_CON");
  // Idempotent on its own output.
  for (const auto& s : {long_ascii, cut, no_ext, device})
    CHECK(safe(s) == s);
}
