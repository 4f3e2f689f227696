// The arguments of `xmpp pubsub` checked before anything is sent (xmpp-pubsub(1); XEP-0060
// version 1.30.0, PEP XEP-0163): the SERVICE argument, and the payload of `publish` assembled
// from stdin, --payload-file, --text, --json-payload (XEP-0335), --atom (RFC 4287) or --geoloc
// (XEP-0080). A mistake is exit 64 (usage) or 65 (bad payload data), and nothing is sent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/time/time.hpp"
#include "xml/element.hpp"

namespace xmpp::cli {

/// What CLI11 parsed for every pubsub subcommand (each reads its part).
struct PubsubArgs {
  std::string action;   ///< the subcommand; empty for `xmpp pubsub` alone
  std::string service;  ///< SERVICE as given; empty: none (nodes: our PEP service)
  std::string node;     ///< NODE; empty when none was given (subscriptions, affiliations)
  std::optional<std::string> parent;    ///< nodes --node
  std::vector<std::string> sets;        ///< create/configure/publish --set VAR=VALUE
  std::optional<std::string> redirect;  ///< delete --redirect URI
  // publish
  std::optional<std::string> item_id;       ///< --id
  std::optional<std::string> text;          ///< --text
  std::optional<std::string> payload_file;  ///< --payload-file ("-" = stdin)
  bool json_payload = false;
  bool atom = false;
  std::optional<std::string> title, link, summary;  ///< --atom's
  std::optional<std::string> geoloc, accuracy;      ///< --geoloc LAT,LON, --accuracy M
  std::vector<std::string> options;                 ///< --option VAR=VALUE
  bool create_if_missing = false;
  // items, retract
  std::optional<int> max;
  std::vector<std::string> item_ids;  ///< items --id (repeatable), retract ID...
  bool notify = false;
  // subscribe, subscriptions, affiliations, listen
  std::optional<std::string> jid;             ///< subscribe/unsubscribe --jid
  bool owner = false;                         ///< subscriptions/affiliations --owner
  std::vector<std::string> affiliation_sets;  ///< affiliations --set JID=AFFILIATION
  std::optional<int> count;                   ///< listen --count
  std::string subcommands;                    ///< "nodes, info, ...", for `xmpp pubsub` alone
};

/// SERVICE (xmpp-pubsub(1) "SERVICE"): `pep` or nothing is our own PEP service (XEP-0163: the iq
/// has no 'to'); a bare JID with a local part is that account's PEP service (our own bare JID is
/// our PEP service too, decided once logged in); a bare domain is looked up
/// (pubsub::find_service: the domain itself if it is a pubsub service, else its pubsub
/// component); any other JID is used as given.
struct ServiceArg {
  enum class Kind { pep, jid, domain };
  Kind kind = Kind::pep;
  Jid jid;  ///< jid and domain
};
/// Errors: usage (64) for a JID that does not parse.
Result<ServiceArg> parse_service_arg(std::string_view text);

/// Where the payload of `publish` comes from; exactly one (two given: usage).
enum class PayloadSource { standard_input, file, text, atom, geoloc };

/// Checks the publish options against each other and picks the source: stdin when nothing else
/// is given (usage "no_payload" when `stdin_is_tty`), --payload-file, --text (with --geoloc it is
/// the location's text), --atom (needs --title), --geoloc. --json-payload only with stdin or a
/// file; --title/--link/--summary only with --atom; --accuracy only with --geoloc; --set only
/// with --create-if-missing. Errors: usage (64), naming the options.
Result<PayloadSource> check_publish(const PubsubArgs& args, bool stdin_is_tty);

/// The payload element of `publish` from `source`. `input` is the content of stdin or the file
/// for those sources (unused otherwise). Errors: data (65) "bad_payload" (not exactly one XML
/// element; bad JSON with --json-payload; text XML cannot carry), usage (64) "bad_geoloc".
Result<xml::Element> build_payload(const PubsubArgs& args, PayloadSource source,
                                   const std::optional<std::string>& input, time::Timestamp now);

/// Stdin or a file as a payload: exactly one XML element, whitespace around it allowed (an XML
/// declaration before it too), parsed with our XML parser. `what` names the input in errors
/// ("stdin", "FILE"). Errors: data (65) "bad_payload": not well-formed, no element (empty, or
/// text only), two elements, or text beside the element.
Result<xml::Element> parse_xml_payload(std::string_view input, std::string_view what);

/// --json-payload: `input` checked as JSON (RFC 8259), then its text exactly as given, without
/// one trailing newline, in an XEP-0335 <json/>. Errors: data (65) "bad_payload".
Result<xml::Element> parse_json_payload(std::string_view input, std::string_view what);

}  // namespace xmpp::cli
