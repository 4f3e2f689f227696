// SCRAM (RFC 5802, RFC 7677) with the RFCs' own vectors, channel binding, XEP-0474, and every
// server-side failure of SECURITY.md rows 28-29.
#include <doctest/doctest.h>

#include "core/base64.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/scram.hpp"

using namespace xmpp;
using namespace xmpp::sasl;

namespace {

NonceSource fixed(std::string nonce) {
  return [nonce] { return nonce; };
}

std::unique_ptr<Mechanism> pick(const Offer& offer, const Credentials& credentials,
                                const TlsState& tls, const std::string& nonce) {
  auto m = choose(offer, Policy{}, credentials, tls, fixed(nonce));
  REQUIRE(m);
  return std::move(*m);
}

std::string first(Mechanism& m) {
  auto r = m.initial_response();
  REQUIRE(r);
  REQUIRE(r->has_value());
  return **r;
}

// RFC 5802 §5 (SCRAM-SHA-1, user "user", password "pencil").
constexpr const char* k_sha1_nonce = "fyko+d2lbbFgONRv9qkxdawL";
constexpr const char* k_sha1_server_first =
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
constexpr const char* k_sha1_client_final =
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
constexpr const char* k_sha1_server_final = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

// RFC 7677 §3 (SCRAM-SHA-256, user "user", password "pencil").
constexpr const char* k_sha256_nonce = "rOprNGfwEbeRWgbNEkqO";
constexpr const char* k_sha256_server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* k_sha256_client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* k_sha256_server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

const Credentials k_scram_user{"user", "pencil", ""};

// A SCRAM-SHA-256 mechanism that has sent the RFC 7677 client-first-message.
std::unique_ptr<Mechanism> sha256_started() {
  auto m = pick(Offer{{"SCRAM-SHA-256"}, {}, false}, k_scram_user, TlsState{}, k_sha256_nonce);
  first(*m);
  return m;
}

void check_error(const Result<std::string>& r, ErrorKind kind, const std::string& code) {
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == kind);
  CHECK(r.error().code == code);
}

void check_error(const Result<void>& r, ErrorKind kind, const std::string& code) {
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == kind);
  CHECK(r.error().code == code);
}

}  // namespace

TEST_CASE("RFC 5802 §5 SCRAM-SHA-1 example, byte-exact") {
  auto m = pick(Offer{{"SCRAM-SHA-1"}, {}, false}, k_scram_user, TlsState{}, k_sha1_nonce);
  CHECK(m->name() == "SCRAM-SHA-1");
  CHECK(m->channel_binding().empty());
  CHECK(first(*m) == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  auto final_message = m->respond(k_sha1_server_first);
  REQUIRE(final_message);
  CHECK(*final_message == k_sha1_client_final);
  CHECK(m->verify_success(std::string(k_sha1_server_final)));
}

TEST_CASE("RFC 7677 §3 SCRAM-SHA-256 example, byte-exact") {
  auto m = pick(Offer{{"SCRAM-SHA-256"}, {}, false}, k_scram_user, TlsState{}, k_sha256_nonce);
  CHECK(m->name() == "SCRAM-SHA-256");
  CHECK(first(*m) == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto final_message = m->respond(k_sha256_server_first);
  REQUIRE(final_message);
  CHECK(*final_message == k_sha256_client_final);
  CHECK(m->verify_success(std::string(k_sha256_server_final)));
}

TEST_CASE("SCRAM-SHA-512 against an independent computation") {
  // Expected values computed outside this code base with Python 3's hashlib.pbkdf2_hmac("sha512",
  // ...) and hmac.new(..., "sha512") following RFC 5802 §3; the same script reproduces the RFC 5802
  // and RFC 7677 vectors above byte for byte.
  auto m = pick(Offer{{"SCRAM-SHA-512"}, {}, false}, Credentials{"juliet", "r0m30myr0m30", ""},
                TlsState{}, "Kh9ZCNXF7aXmVh3Z1s7P2g");
  CHECK(m->name() == "SCRAM-SHA-512");
  CHECK(first(*m) == "n,,n=juliet,r=Kh9ZCNXF7aXmVh3Z1s7P2g");
  auto final_message =
      m->respond("r=Kh9ZCNXF7aXmVh3Z1s7P2gq1WcQsJd1Hh0K2Rd,s=Y2FwdWxldC1zYWx0LTUxMg==,i=4096");
  REQUIRE(final_message);
  CHECK(
      *final_message ==
      "c=biws,r=Kh9ZCNXF7aXmVh3Z1s7P2gq1WcQsJd1Hh0K2Rd,"
      "p=JNethCxG+zt2F6ZH5aoYZVooEdQhusqTfgEGPHVSElN0w+N9QQY7r7kyot2gFSGRa0E3zvIIJuSkfKgS0kaERA==");
  CHECK(m->verify_success(std::string("v=834PYFN8sY+deeUotFpgOyOS+oEKOck7PniRX3L/lJNQ/"
                                      "xfmHX2a2Z6cbfs5qvoLPkYFdY1aylJpUks+s9/Y+Q==")));
}

TEST_CASE("SCRAM-SHA-256-PLUS with each channel-binding type") {
  // Expected proofs and signatures from the same independent Python computation; `c=` is
  // base64(gs2-header + binding data), RFC 5802 §7.
  struct Case {
    const char* type;
    TlsState tls;
    const char* c;
    const char* proof;
    const char* verifier;
  };
  std::string exporter;
  for (int k = 0; k < 32; ++k)
    exporter += static_cast<char>(k);
  const auto end_point = *base64_decode("A9Zt0Ig1wco/EozOrNHzGslBYwlrIPRFroQoW8CDLXI=");
  const std::string unique(12, '\xa5');
  const Case cases[] = {
      {"tls-exporter", TlsState{true, true, true, exporter, end_point, ""},
       "cD10bHMtZXhwb3J0ZXIsLAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f",
       "6srDZim4hSD/YwuaioP03hYSL94d/O9sv9E+HxeO0jo=",
       "v=XR0ItE0NmOnrlN9OTEFcU0QVNEOlU8b+kgPujGv/DDc="},
      {"tls-server-end-point", TlsState{true, true, true, "", end_point, ""},
       "cD10bHMtc2VydmVyLWVuZC1wb2ludCwsA9Zt0Ig1wco/EozOrNHzGslBYwlrIPRFroQoW8CDLXI=",
       "jQgsitLg8tMN5dxmhb0j2jv3qXtYsopsmkS4xVvAsH4=",
       "v=u3nfllc32bz3rIr92m7sIIeK4y7t+G5oqeRwFG7F6cE="},
      {"tls-unique", TlsState{true, true, false, "", end_point, unique},
       "cD10bHMtdW5pcXVlLCylpaWlpaWlpaWlpaU=", "ftGwBnNwUfxJ+6k3TJeWdRcUMMwvvdjrTh2BzrIauEE=",
       "v=pjvcHTEJdLFLIW76z4y+oA2LkEubNA3ImZRerTNeBxM="},
  };
  for (const auto& c : cases) {
    CAPTURE(c.type);
    Offer offer{{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, {c.type}, true};
    auto m = pick(offer, k_scram_user, c.tls, k_sha256_nonce);
    CHECK(m->name() == "SCRAM-SHA-256-PLUS");
    CHECK(m->channel_binding() == c.type);
    CHECK(first(*m) == std::string("p=") + c.type + ",,n=user,r=rOprNGfwEbeRWgbNEkqO");
    auto final_message =
        m->respond("r=rOprNGfwEbeRWgbNEkqOserverpart,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    REQUIRE(final_message);
    CHECK(*final_message ==
          std::string("c=") + c.c + ",r=rOprNGfwEbeRWgbNEkqOserverpart,p=" + c.proof);
    CHECK(m->verify_success(std::string(c.verifier)));
  }
}

TEST_CASE("gs2 header: y when we could bind but the server offered no -PLUS") {
  const TlsState tls13{true, true, true, "exporter-data", "", ""};
  auto m = pick(Offer{{"SCRAM-SHA-256"}, {}, false}, k_scram_user, tls13, k_sha256_nonce);
  CHECK(first(*m) == "y,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto final_message = m->respond(k_sha256_server_first);
  REQUIRE(final_message);
  CHECK(final_message->rfind("c=eSws,", 0) == 0);  // base64("y,,")
}

TEST_CASE("gs2 header: n without TLS, and n when -PLUS is offered but not usable") {
  auto plain_tcp = pick(Offer{{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, {}, false}, k_scram_user,
                        TlsState{}, k_sha256_nonce);
  CHECK(plain_tcp->name() == "SCRAM-SHA-256");
  CHECK(first(*plain_tcp).rfind("n,,", 0) == 0);

  // TLS 1.3 without exporter data: -PLUS is skipped; "y" would make the server (which offered
  // -PLUS) abort, so "n".
  const TlsState no_exporter{true, true, true, "", "end-point", ""};
  auto m = pick(Offer{{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, {}, false}, k_scram_user, no_exporter,
                k_sha256_nonce);
  CHECK(m->name() == "SCRAM-SHA-256");
  CHECK(first(*m).rfind("n,,", 0) == 0);
}

TEST_CASE("user name and authzid escaping (RFC 5802 §5.1)") {
  CHECK(escape_saslname("us,er=x") == "us=2Cer=3Dx");
  CHECK(escape_saslname("plain") == "plain");
  auto m = pick(Offer{{"SCRAM-SHA-1"}, {}, false}, Credentials{"a,b=c", "pencil", "admin=1,x"},
                TlsState{}, k_sha1_nonce);
  CHECK(first(*m) == "n,a=admin=3D1=2Cx,n=a=2Cb=3Dc,r=fyko+d2lbbFgONRv9qkxdawL");
}

TEST_CASE("the password is SASLprep'd before Hi()") {
  // RFC 4013 §3 example 1: "I<SOFT HYPHEN>X" prepares to "IX".
  auto prepared = pick(Offer{{"SCRAM-SHA-1"}, {}, false}, Credentials{"user", "IX", ""}, TlsState{},
                       k_sha1_nonce);
  auto raw = pick(Offer{{"SCRAM-SHA-1"}, {}, false}, Credentials{"user", "I\xC2\xADX", ""},
                  TlsState{}, k_sha1_nonce);
  first(*prepared);
  first(*raw);
  auto a = prepared->respond(k_sha1_server_first);
  auto b = raw->respond(k_sha1_server_first);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
  CHECK(*a != k_sha1_client_final);
}

TEST_CASE("bad credentials are refused before anything is sent") {
  auto control =
      choose(Offer{{"SCRAM-SHA-256"}, {}, false}, Policy{},
             Credentials{"user", std::string("sekr\x07t"), ""}, TlsState{}, fixed(k_sha256_nonce));
  REQUIRE_FALSE(control);
  CHECK(control.error().kind == ErrorKind::usage);
  CHECK(control.error().code == "bad_credentials");
  CHECK(control.error().message.find("sekr") == std::string::npos);

  auto empty_user = choose(Offer{{"SCRAM-SHA-256"}, {}, false}, Policy{},
                           Credentials{"", "pencil", ""}, TlsState{}, fixed(k_sha256_nonce));
  REQUIRE_FALSE(empty_user);
  CHECK(empty_user.error().code == "bad_credentials");
}

TEST_CASE("make_scram rejects a bad nonce or inconsistent setup as a bug") {
  ScramSetup bad_nonce;
  bad_nonce.username = "user";
  bad_nonce.client_nonce = "with,comma";
  auto r = make_scram(bad_nonce);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::software);

  ScramSetup plus_without_data;
  plus_without_data.username = "user";
  plus_without_data.client_nonce = "abc";
  plus_without_data.cbind_flag = 'p';
  plus_without_data.binding = ChannelBinding::tls_exporter;
  CHECK_FALSE(make_scram(plus_without_data));
}

TEST_CASE("row 28: server-first-message failures") {
  SUBCASE("nonce not prefixed by ours") {
    check_error(sha256_started()->respond(
                    "r=XXprNGfwEbeRWgbNEkqO%hvYDpW,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
                ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("nonce equal to ours (server added nothing)") {
    check_error(
        sha256_started()->respond("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
        ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("i=1") {
    check_error(
        sha256_started()->respond("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1"),
        ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("i=4095") {
    check_error(
        sha256_started()->respond("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095"),
        ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("i=2147483647") {
    check_error(sha256_started()->respond(
                    "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2147483647"),
                ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("i=1000001") {
    check_error(
        sha256_started()->respond("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000001"),
        ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("i beyond 64 bits") {
    check_error(
        sha256_started()->respond(
            "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999999"),
        ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("i not a number") {
    for (const char* i : {"i=", "i=-4096", "i=04096", "i=4096x", "i= 4096"}) {
      CAPTURE(i);
      check_error(sha256_started()->respond(
                      std::string("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,") + i),
                  ErrorKind::protocol, "sasl_malformed");
    }
  }
  SUBCASE("salt not base64, or empty") {
    for (const char* s : {"s=not base64!", "s=W22ZaJ0SNY7soEsUEjb6gQ=", "s=", "s=W22Z\naJ0S"}) {
      CAPTURE(s);
      check_error(
          sha256_started()->respond(std::string("r=rOprNGfwEbeRWgbNEkqOxyz,") + s + ",i=4096"),
          ErrorKind::protocol, "sasl_malformed");
    }
  }
  SUBCASE("mandatory extension m=") {
    check_error(sha256_started()->respond(
                    "m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
                ErrorKind::no_perm, "auth_failed");
    check_error(sha256_started()->respond(
                    "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,m=ext"),
                ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("unknown optional extensions are ignored") {
    CHECK(sha256_started()->respond(
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,x=whatever,y=1"));
  }
  SUBCASE("server error in place of server-first") {
    auto r = sha256_started()->respond("e=unknown-user");
    check_error(r, ErrorKind::no_perm, "auth_failed");
    CHECK(r.error().message.find("unknown-user") != std::string::npos);
  }
  SUBCASE("syntax errors") {
    for (const char* bad : {"", "garbage", "r=rOprNGfwEbeRWgbNEkqOxyz", ",,,",
                            "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOxyz,i=4096",
                            "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,",
                            "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,r=again",
                            "r=rOprNGfwEbeRWgbNEkqO\x7fxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"}) {
      CAPTURE(bad);
      check_error(sha256_started()->respond(bad), ErrorKind::protocol, "sasl_malformed");
    }
  }
}

TEST_CASE("iteration bounds are inclusive and configurable") {
  ScramSetup setup;
  setup.hash = ScramHash::sha256;
  setup.username = "user";
  setup.password = "pencil";
  setup.client_nonce = k_sha256_nonce;
  setup.min_iterations = 4096;
  setup.max_iterations = 5000;
  auto make = [&] {
    ScramSetup copy = setup;
    auto m = make_scram(copy);
    REQUIRE(m);
    first(**m);
    return std::move(*m);
  };
  CHECK(make()->respond(k_sha256_server_first));  // i=4096, the lower bound
  CHECK(make()->respond("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=5000"));
  check_error(make()->respond("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=5001"),
              ErrorKind::no_perm, "auth_failed");
}

TEST_CASE("row 29: server-final-message failures") {
  auto exchanged = [] {
    auto m = sha256_started();
    REQUIRE(m->respond(k_sha256_server_first));
    return m;
  };
  SUBCASE("wrong v=") {
    check_error(
        exchanged()->verify_success(std::string("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")),
        ErrorKind::no_perm, "auth_failed");
    check_error(exchanged()->verify_success(std::string("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")),
                ErrorKind::no_perm, "auth_failed");  // right form, wrong length (SHA-1's)
    check_error(exchanged()->verify_success(std::string("v=not*base64")), ErrorKind::no_perm,
                "auth_failed");
  }
  SUBCASE("missing v=") {
    check_error(exchanged()->verify_success(std::nullopt), ErrorKind::no_perm, "auth_failed");
    check_error(exchanged()->verify_success(std::string()), ErrorKind::no_perm, "auth_failed");
    check_error(exchanged()->verify_success(std::string("x=1")), ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("e= server error") {
    auto r = exchanged()->verify_success(std::string("e=invalid-proof"));
    check_error(r, ErrorKind::no_perm, "auth_failed");
    CHECK(r.error().message.find("invalid-proof") != std::string::npos);
    auto as_challenge = exchanged()->respond("e=channel-bindings-dont-match");
    check_error(as_challenge, ErrorKind::no_perm, "auth_failed");
    CHECK(as_challenge.error().message.find("channel-bindings-dont-match") != std::string::npos);
  }
  SUBCASE("success before the exchange") {
    check_error(sha256_started()->verify_success(std::string(k_sha256_server_final)),
                ErrorKind::no_perm, "auth_failed");
    auto fresh = pick(Offer{{"SCRAM-SHA-256"}, {}, false}, k_scram_user, TlsState{}, k_sha256_nonce);
    check_error(fresh->verify_success(std::nullopt), ErrorKind::no_perm, "auth_failed");
  }
  SUBCASE("no second chance after a failure") {
    auto m = exchanged();
    CHECK_FALSE(m->verify_success(std::string("v=AAAA")));
    CHECK_FALSE(m->verify_success(std::string(k_sha256_server_final)));
  }
  SUBCASE("a right v= with extensions is accepted") {
    CHECK(exchanged()->verify_success(std::string(k_sha256_server_final) + ",x=ext"));
  }
}

TEST_CASE("server-final-message as a challenge (RFC 6120 §6.4.6)") {
  auto m = sha256_started();
  REQUIRE(m->respond(k_sha256_server_first));
  auto empty = m->respond(k_sha256_server_final);
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK(m->verify_success(std::nullopt));
  CHECK(m->verify_success(std::string(k_sha256_server_final)));  // repeated: still checked
  check_error(m->verify_success(std::string("v=AAAA")), ErrorKind::no_perm, "auth_failed");

  auto extra = sha256_started();
  REQUIRE(extra->respond(k_sha256_server_first));
  REQUIRE(extra->respond(k_sha256_server_final));
  check_error(extra->respond("r=again"), ErrorKind::protocol, "sasl_malformed");
}

TEST_CASE("XEP-0474 §4 example: h= over mechanisms and channel-binding types") {
  const Offer offer{
      {"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"}, {"tls-server-end-point", "tls-exporter"}, true};
  CHECK(ssdp_hash(ScramHash::sha1, offer) == "G6k/rBLDqgOhRRaCuuatSDFkJ08=");
  const TlsState tls{true, true, true, "THIS IS FAKE CB DATA", "end-point", ""};
  const std::string server_first =
      "r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,"
      "s=QSXCR+Q6sek8bf92,i=4096,h=G6k/rBLDqgOhRRaCuuatSDFkJ08=";

  auto m = pick(offer, k_scram_user, tls, "12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6");
  CHECK(m->name() == "SCRAM-SHA-1-PLUS");
  CHECK(first(*m) == "p=tls-exporter,,n=user,r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6");
  auto final_message = m->respond(server_first);
  REQUIRE(final_message);
  // The example's client-final also carries a SASL2 x= attribute, so only c= and r= compare.
  CHECK(final_message->rfind("c=cD10bHMtZXhwb3J0ZXIsLFRISVMgSVMgRkFLRSBDQiBEQVRB,"
                             "r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-"
                             "93799c2bddf6,p=",
                             0) == 0);

  SUBCASE("a stripped mechanism list no longer matches") {
    const Offer stripped{{"SCRAM-SHA-1"}, {"tls-server-end-point", "tls-exporter"}, true};
    const TlsState no_binding{true, true, true, "", "", ""};
    auto d = pick(stripped, k_scram_user, no_binding, "12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6");
    first(*d);
    check_error(d->respond(server_first), ErrorKind::no_perm, "downgrade");
  }
  SUBCASE("a stripped channel-binding list no longer matches") {
    const Offer stripped{{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"}, {"tls-exporter"}, true};
    auto d = pick(stripped, k_scram_user, tls, "12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6");
    first(*d);
    check_error(d->respond(server_first), ErrorKind::no_perm, "downgrade");
  }
  SUBCASE("a hash that is not base64") {
    auto d = pick(offer, k_scram_user, tls, "12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6");
    first(*d);
    check_error(
        d->respond("r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6abc,s=QSXCR+Q6sek8bf92,i=4096,h=***"),
        ErrorKind::no_perm, "downgrade");
  }
}

TEST_CASE("XEP-0474 hash without XEP-0440 types and with unsorted input") {
  const Offer a{{"SCRAM-SHA-256", "PLAIN", "SCRAM-SHA-1"}, {}, false};
  const Offer b{{"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"}, {}, false};
  CHECK(ssdp_hash(ScramHash::sha256, a) == ssdp_hash(ScramHash::sha256, b));
  const Offer with_empty_types{{"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"}, {}, true};
  CHECK(ssdp_hash(ScramHash::sha256, a) != ssdp_hash(ScramHash::sha256, with_empty_types));
}

TEST_CASE("XEP-0474 §5 rule 6: no common channel-binding type needs h=") {
  // The server lists only a type we do not implement; we continue without binding ("n") and the
  // server-first-message must prove the list genuine.
  const Offer offer{{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}, {"tls-fancy-new"}, true};
  const TlsState tls{true, true, true, "exporter", "end-point", ""};
  const std::string base = "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

  auto without = pick(offer, k_scram_user, tls, k_sha256_nonce);
  CHECK(without->name() == "SCRAM-SHA-256");
  CHECK(first(*without).rfind("n,,", 0) == 0);
  check_error(without->respond(base), ErrorKind::no_perm, "downgrade");

  auto with = pick(offer, k_scram_user, tls, k_sha256_nonce);
  first(*with);
  CHECK(with->respond(base + ",h=" + ssdp_hash(ScramHash::sha256, offer)));
}
