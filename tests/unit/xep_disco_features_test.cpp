// The feature-var table of `xmpp disco info`: exact vars, registered prefixes, +notify, unknown
// vars, everything Prosody 0.12 advertises in the test server's configuration, and the table's
// own order (binary search depends on it).
#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "xep/disco/features.hpp"

using namespace xmpp;
using disco::feature_spec;

namespace {

std::string spec_of(std::string_view var) {
  const auto spec = feature_spec(var);
  return spec ? std::string(spec->spec) : std::string("(none)");
}

}  // namespace

TEST_CASE("feature_spec: exact vars name their XEP or RFC and its title") {
  CHECK(feature_spec("urn:xmpp:ping") == disco::FeatureSpec{"XEP-0199", "XMPP Ping"});
  CHECK(feature_spec("http://jabber.org/protocol/disco#info") ==
        disco::FeatureSpec{"XEP-0030", "Service Discovery"});
  CHECK(feature_spec("jabber:iq:roster") ==
        disco::FeatureSpec{
            "RFC 6121",
            "Extensible Messaging and Presence Protocol (XMPP): Instant Messaging and Presence"});
  CHECK(feature_spec("urn:ietf:params:xml:ns:xmpp-tls") ==
        disco::FeatureSpec{"RFC 6120", "Extensible Messaging and Presence Protocol (XMPP): Core"});
  CHECK(spec_of("urn:ietf:params:xml:ns:xmpp-sasl") == "RFC 6120");
  CHECK(spec_of("urn:ietf:params:xml:ns:xmpp-bind") == "RFC 6120");
  CHECK(spec_of("urn:ietf:params:xml:ns:xmpp-session") == "RFC 3921");
  CHECK(spec_of("urn:xmpp:features:rosterver") == "RFC 6121");
  CHECK(spec_of("http://jabber.org/protocol/pubsub") == "XEP-0060");
  CHECK(spec_of("http://jabber.org/protocol/muc") == "XEP-0045");
  CHECK(spec_of("muc_passwordprotected") == "XEP-0045");
  CHECK(feature_spec("urn:xmpp:http:upload:0") ==
        disco::FeatureSpec{"XEP-0363", "HTTP File Upload"});
  CHECK(feature_spec("urn:xmpp:mam:2") ==
        disco::FeatureSpec{"XEP-0313", "Message Archive Management"});
  CHECK(spec_of("urn:xmpp:carbons:2") == "XEP-0280");
  CHECK(spec_of("urn:xmpp:sm:3") == "XEP-0198");
  CHECK(spec_of("http://jabber.org/network/serverinfo") == "XEP-0157");
  // An exact entry beats the XEP-0045 prefix it also matches.
  CHECK(feature_spec("http://jabber.org/protocol/muc#self-ping-optimization") ==
        disco::FeatureSpec{"XEP-0410", "MUC Self-Ping (Schr\xC3\xB6"
                                       "dinger's Chat)"});
  CHECK(spec_of("http://jabber.org/protocol/muc#unique") == "XEP-0307");
}

TEST_CASE("feature_spec: the common XEPs are in the table") {
  const std::map<std::string, std::string> cases = {
      {"http://jabber.org/protocol/disco#items", "XEP-0030"},
      {"http://jabber.org/protocol/commands", "XEP-0050"},
      {"vcard-temp", "XEP-0054"},
      {"jabber:iq:register", "XEP-0077"},
      {"urn:xmpp:avatar:metadata", "XEP-0084"},
      {"jabber:iq:version", "XEP-0092"},
      {"http://jabber.org/protocol/caps", "XEP-0115"},
      {"urn:xmpp:blocking", "XEP-0191"},
      {"urn:xmpp:time", "XEP-0202"},
      {"urn:xmpp:csi:0", "XEP-0352"},
      {"urn:xmpp:sid:0", "XEP-0359"},
      {"urn:xmpp:omemo:2", "XEP-0384"},
      {"eu.siacs.conversations.axolotl.devicelist", "XEP-0384"},
      {"urn:xmpp:message-retract:0", "XEP-0424"},
      {"urn:xmpp:message-moderate:0", "XEP-0425"},
      {"urn:xmpp:channel-search:0:search", "XEP-0433"},
      {"urn:xmpp:reactions:0", "XEP-0444"},
      {"urn:xmpp:sasl-cb:0", "XEP-0440"},
      {"urn:xmpp:fast:0", "XEP-0484"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.first);
    CHECK(spec_of(c.first) == c.second);
  }
}

TEST_CASE("feature_spec: registered prefixes; the longest wins; no match across a name") {
  CHECK(feature_spec("http://jabber.org/protocol/pubsub#publish") ==
        disco::FeatureSpec{"XEP-0060", "Publish-Subscribe"});
  CHECK(spec_of("http://jabber.org/protocol/pubsub#create-and-configure") == "XEP-0060");
  CHECK(spec_of("http://jabber.org/protocol/muc#stable_id") == "XEP-0045");
  CHECK(spec_of("http://jabber.org/protocol/muc#roominfo") == "XEP-0045");
  CHECK(spec_of("urn:xmpp:mam:2#extended") == "XEP-0313");
  CHECK(spec_of("urn:xmpp:bookmarks:1#compat-pep") == "XEP-0402");
  CHECK(spec_of("urn:xmpp:jingle:apps:file-transfer:5") == "XEP-0234");
  CHECK(spec_of("urn:xmpp:hash-function-text-names:sha-256") == "XEP-0300");
  CHECK(spec_of("http://jabber.org/protocol/amp?action=drop") == "XEP-0079");

  // A prefix stops at its separator: these are other names, not members of the family.
  CHECK_FALSE(feature_spec("http://jabber.org/protocol/pubsubX").has_value());
  CHECK_FALSE(feature_spec("http://jabber.org/protocol/pubsubX#publish").has_value());
  CHECK_FALSE(feature_spec("http://jabber.org/protocol/mucX").has_value());
  CHECK_FALSE(feature_spec("urn:xmpp:mam:2X").has_value());
  // The bare prefix is not a feature.
  CHECK_FALSE(feature_spec("http://jabber.org/protocol/pubsub#").has_value());
}

TEST_CASE("feature_spec: NS+notify is NS's spec, or XEP-0163 for an unknown NS") {
  CHECK(spec_of("urn:xmpp:avatar:metadata+notify") == "XEP-0084");
  CHECK(spec_of("http://jabber.org/protocol/tune+notify") == "XEP-0118");
  CHECK(spec_of("urn:xmpp:omemo:2:devices+notify") == "XEP-0384");
  CHECK(spec_of("urn:xmpp:bookmarks:1+notify") == "XEP-0402");
  CHECK(feature_spec("urn:example:private-node+notify") ==
        disco::FeatureSpec{"XEP-0163", "Personal Eventing Protocol"});
  CHECK_FALSE(feature_spec("+notify").has_value());
  CHECK_FALSE(feature_spec("urn:xmpp:ping+notifyX").has_value());
}

TEST_CASE("feature_spec: unknown vars have no entry (no guessing, exact bytes)") {
  for (const char* var : {"", "urn:xmpp:unknown:0", "https://modules.prosody.im/mod_pastebin",
                          "URN:XMPP:PING", "urn:xmpp:ping ", " urn:xmpp:ping", "urn:xmpp:pin",
                          "urn:xmpp:ping:1", "http://jabber.org/protocol/disco",
                          "http://jabber.org/protocol/disco#", "jabber:iq", "zzzz", "\xFF"}) {
    CAPTURE(var);
    CHECK_FALSE(feature_spec(var).has_value());
  }
}

TEST_CASE("feature_spec: every var Prosody 0.12 advertises in the test configuration") {
  // What `disco#info` returned from scripts/test-server's Prosody (server, account with PEP,
  // MUC service and rooms, pubsub, proxy65, http_file_share), plus the stream features.
  const char* prosody[] = {
      // example.test
      "urn:xmpp:blocking", "http://jabber.org/protocol/commands", "msgoffline", "urn:xmpp:ping",
      "jabber:iq:private", "urn:xmpp:time", "jabber:iq:time", "vcard-temp", "jabber:iq:version",
      "urn:xmpp:carbons:rules:0", "urn:xmpp:carbons:2", "jabber:iq:last", "jabber:iq:roster",
      "http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
      "http://jabber.org/network/serverinfo",
      // alice@example.test (mod_pep, mod_mam, mod_bookmarks, mod_vcard4, mod_vcard_legacy)
      "urn:xmpp:mam:2", "urn:xmpp:mam:2#extended", "urn:xmpp:sid:0", "urn:xmpp:bookmarks:1#compat",
      "urn:xmpp:bookmarks:1#compat-pep", "urn:xmpp:bookmarks-conversion:0",
      "urn:xmpp:pep-vcard-conversion:0", "urn:ietf:params:xml:ns:vcard-4.0",
      "http://jabber.org/protocol/pubsub", "http://jabber.org/protocol/pubsub#delete-items",
      "http://jabber.org/protocol/pubsub#meta-data", "http://jabber.org/protocol/pubsub#publish",
      "http://jabber.org/protocol/pubsub#publish-options",
      "http://jabber.org/protocol/pubsub#retrieve-subscriptions",
      "http://jabber.org/protocol/pubsub#presence-subscribe",
      "http://jabber.org/protocol/pubsub#filtered-notifications",
      "http://jabber.org/protocol/pubsub#subscription-options",
      "http://jabber.org/protocol/pubsub#instant-nodes",
      "http://jabber.org/protocol/pubsub#config-node",
      "http://jabber.org/protocol/pubsub#presence-notifications",
      "http://jabber.org/protocol/pubsub#last-published",
      "http://jabber.org/protocol/pubsub#publisher-affiliation",
      "http://jabber.org/protocol/pubsub#item-ids",
      "http://jabber.org/protocol/pubsub#create-and-configure",
      "http://jabber.org/protocol/pubsub#purge-nodes",
      "http://jabber.org/protocol/pubsub#multi-items",
      "http://jabber.org/protocol/pubsub#subscribe",
      "http://jabber.org/protocol/pubsub#modify-affiliations",
      "http://jabber.org/protocol/pubsub#auto-subscribe",
      "http://jabber.org/protocol/pubsub#create-nodes",
      "http://jabber.org/protocol/pubsub#retract-items",
      "http://jabber.org/protocol/pubsub#delete-nodes",
      "http://jabber.org/protocol/pubsub#access-presence",
      "http://jabber.org/protocol/pubsub#retrieve-default",
      "http://jabber.org/protocol/pubsub#retrieve-items",
      "http://jabber.org/protocol/pubsub#auto-create",
      "http://jabber.org/protocol/pubsub#persistent-items",
      "http://jabber.org/protocol/pubsub#config-node-max",
      "http://jabber.org/protocol/pubsub#outcast-affiliation",
      "http://jabber.org/protocol/pubsub#member-affiliation",
      // conference.example.test and its rooms (mod_muc, mod_muc_mam)
      "urn:xmpp:occupant-id:0", "http://jabber.org/protocol/muc",
      "http://jabber.org/protocol/muc#unique", "http://jabber.org/protocol/muc#stable_id",
      "http://jabber.org/protocol/muc#self-ping-optimization",
      "http://jabber.org/protocol/muc#request", "http://jabber.org/protocol/muc#roominfo",
      "jabber:iq:register", "muc_hidden", "muc_public", "muc_membersonly", "muc_open",
      "muc_moderated", "muc_unmoderated", "muc_passwordprotected", "muc_unsecured",
      "muc_persistent", "muc_temporary", "muc_semianonymous", "muc_nonanonymous",
      // pubsub.example.test
      "http://jabber.org/protocol/pubsub#access-open",
      // proxy.example.test, upload.example.test
      "http://jabber.org/protocol/bytestreams", "urn:xmpp:http:upload:0",
      // Other modules of Prosody 0.12 (mod_register, mod_legacyauth, mod_external_services,
      // mod_adhoc) and stream features (mod_tls, mod_saslauth, mod_smacks, mod_csi_simple).
      "jabber:iq:auth", "urn:xmpp:extdisco:1", "urn:xmpp:extdisco:2", "jabber:x:data",
      "urn:ietf:params:xml:ns:xmpp-tls", "urn:ietf:params:xml:ns:xmpp-sasl",
      "urn:ietf:params:xml:ns:xmpp-bind", "urn:ietf:params:xml:ns:xmpp-session",
      "urn:xmpp:features:rosterver", "urn:xmpp:features:pre-approval", "urn:xmpp:sm:2",
      "urn:xmpp:sm:3", "urn:xmpp:csi:0", "http://jabber.org/features/iq-auth",
      "http://jabber.org/features/iq-register"};
  for (const char* var : prosody) {
    CAPTURE(var);
    CHECK(feature_spec(var).has_value());
  }
}

TEST_CASE("the feature tables are sorted, unique, and well-formed") {
  const auto exact = disco::exact_features();
  const auto prefixes = disco::prefix_features();
  REQUIRE(exact.size() > 100);
  REQUIRE_FALSE(prefixes.empty());

  const auto by_var = [](const disco::FeatureEntry& a, const disco::FeatureEntry& b) {
    return a.var < b.var;
  };
  const auto same_var = [](const disco::FeatureEntry& a, const disco::FeatureEntry& b) {
    return a.var == b.var;
  };
  for (const auto table : {exact, prefixes}) {
    const auto unsorted = std::is_sorted_until(table.begin(), table.end(), by_var);
    CHECK_MESSAGE(unsorted == table.end(),
                  "out of order: " << (unsorted == table.end() ? "" : unsorted->var));
    const auto dup = std::adjacent_find(table.begin(), table.end(), same_var);
    CHECK_MESSAGE(dup == table.end(), "duplicate: " << (dup == table.end() ? "" : dup->var));
  }

  // One title per spec, spelled "XEP-NNNN" or "RFC N"; every exact var finds its own row.
  std::map<std::string_view, std::string_view> titles;
  const auto check_row = [&](const disco::FeatureEntry& e) {
    CAPTURE(e.var);
    CHECK_FALSE(e.var.empty());
    CHECK_FALSE(e.spec.title.empty());
    const bool xep = e.spec.spec.size() == 8 && e.spec.spec.substr(0, 4) == "XEP-" &&
                     std::all_of(e.spec.spec.begin() + 4, e.spec.spec.end(),
                                 [](unsigned char c) { return std::isdigit(c) != 0; });
    const bool rfc = e.spec.spec.size() > 4 && e.spec.spec.substr(0, 4) == "RFC ";
    CHECK((xep || rfc));
    const auto [it, inserted] = titles.emplace(e.spec.spec, e.spec.title);
    CHECK(it->second == e.spec.title);
  };
  for (const auto& e : exact) {
    check_row(e);
    CHECK(feature_spec(e.var) == e.spec);
  }
  for (const auto& e : prefixes) {
    check_row(e);
    // A prefix ends at a separator, so it cannot run into a longer name.
    CHECK(std::string_view("#:?").find(e.var.back()) != std::string_view::npos);
    CHECK(feature_spec(std::string(e.var) + "x") == e.spec);
    // A prefix never equals an exact var (the exact row would hide it).
    CHECK_FALSE(std::binary_search(exact.begin(), exact.end(), e, by_var));
  }
}
