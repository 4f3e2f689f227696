// Payload elements for `xmpp pubsub publish`, built by our writer: plain text in the default
// element, an Atom entry (RFC 4287 §4.1.2), a location (XEP-0080 version 1.9, §4), and JSON in
// XEP-0335 (version 0.1) <json/>. Each with its reader, for `items` and `listen`. No I/O.
//
// The default element for --text is Prosody's `<data xmlns='https://prosody.im/protocol/data'>`:
// XEP-0060 defines no text payload and no XEP does, but this element is real and deployed for
// exactly this job. Prosody's pubsub-to-MQTT bridge (prosody-modules mod_pubsub_mqtt, payload
// type "utf8") wraps raw MQTT text in it and unwraps it for MQTT subscribers, so a CI line
// published with --text reaches MQTT dashboards as the same bytes. Its content is the text and
// nothing else (no whitespace rules, no markup), so `items` reads back exactly what was sent.
// An Atom <title/> (the bridge's "atom_title") was the other candidate, but an entry with only a
// title is not valid Atom (§4.1.2 also requires id and updated), and --atom covers Atom properly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "xep/time/time.hpp"
#include "xml/element.hpp"

namespace xmpp::pubsub {

// ---- plain text (the --text default) ----

inline constexpr std::string_view k_ns_text = "https://prosody.im/protocol/data";

/// `<data xmlns='https://prosody.im/protocol/data'>TEXT</data>`. Errors, kind data, code
/// "bad_payload": text XML cannot carry (control characters, invalid UTF-8).
Result<xml::Element> make_text(std::string text);
/// The text of a k_ns_text <data/>; nullopt for any other element.
std::optional<std::string> text_of(const xml::Element& payload);

// ---- Atom entry (RFC 4287), for data syndication (XEP-0060 examples use it, XEP-0277) ----

inline constexpr std::string_view k_ns_atom = "http://www.w3.org/2005/Atom";

struct AtomEntry {
  std::string title;                   ///< atom:title (§4.2.14), type text
  std::optional<std::string> link;     ///< atom:link rel='alternate' href (§4.2.7)
  std::optional<std::string> summary;  ///< atom:summary (§4.2.13), type text
  std::string id;                      ///< atom:id (§4.2.6): an IRI, permanent and unique
  time::Timestamp updated;             ///< atom:updated (§4.2.15)
  bool operator==(const AtomEntry&) const = default;
};

/// A new entry's atom:id: "urn:uuid:" and a random (version 4) UUID (RFC 4122 §4.4), which §4.2.6
/// accepts as a permanent, universally unique IRI.
std::string new_atom_id();

/// `<entry xmlns='http://www.w3.org/2005/Atom'><title/>[<link rel='alternate' href/>][<summary/>]
/// <id/><updated/></entry>`: every element §4.1.2 requires of an entry that has no content (an
/// alternate link or a summary stands in for content, §4.1.1.1/§4.1.2). Errors, kind usage,
/// code "bad_payload": an empty title or id; kind data: text XML cannot carry.
Result<xml::Element> make_atom_entry(const AtomEntry& entry);
/// Reads an Atom entry (title, first alternate link, summary, id, updated). Errors, kind protocol,
/// code "bad_payload": not an atom:entry, or id/title/updated missing or updated no RFC 3339 time.
Result<AtomEntry> parse_atom_entry(const xml::Element& payload);

// ---- XEP-0080 User Location ----

inline constexpr std::string_view k_ns_geoloc = "http://jabber.org/protocol/geoloc";
/// The PEP node of XEP-0080 §4 (the namespace itself, XEP-0163 §4).
inline constexpr std::string_view k_node_geoloc = k_ns_geoloc;

/// The fields `--geoloc LAT,LON [--accuracy M] [--text T]` sets. Numbers are kept as written
/// (xs:decimal text), so what is published is what was typed.
struct Geoloc {
  std::string lat;                     ///< decimal degrees, -90..90 (WGS84)
  std::string lon;                     ///< decimal degrees, -180..180
  std::optional<std::string> accuracy; ///< horizontal error in meters, >= 0
  std::optional<std::string> text;     ///< a description of the location
  bool operator==(const Geoloc&) const = default;
};

/// Splits "LAT,LON" and checks both. Errors, kind usage, code "bad_geoloc": no comma, a number
/// that is no xs:decimal, or out of range.
Result<Geoloc> parse_lat_lon(std::string_view text);
/// Checks a Geoloc as make_geoloc does (usage "bad_geoloc" for numbers; data "bad_payload" for
/// text XML cannot carry).
Result<void> check_geoloc(const Geoloc& geoloc);
/// `<geoloc xmlns='http://jabber.org/protocol/geoloc' xml:lang='en'>` with accuracy, lat, lon,
/// text in the order of the §5 schema's sequence (example 1's order). `lang` empty: no xml:lang.
Result<xml::Element> make_geoloc(const Geoloc& geoloc, std::string lang = "en");
/// Reads lat, lon, accuracy and text. An empty <geoloc/> (XEP-0080 §4.3: publishing stopped)
/// gives empty lat and lon. Errors, kind protocol, code "bad_payload": not a geoloc element.
Result<Geoloc> parse_geoloc(const xml::Element& payload);

// ---- XEP-0335 JSON Containers ----

inline constexpr std::string_view k_ns_json = "urn:xmpp:json:0";

/// `<json xmlns='urn:xmpp:json:0'>JSON</json>`. The caller checks that `json` is JSON (libshared
/// has no JSON parser in domain code). Errors, kind data, code "bad_payload": text XML cannot
/// carry.
Result<xml::Element> make_json(std::string json);
/// The JSON text of a <json/>, as published; nullopt for any other element.
std::optional<std::string> json_of(const xml::Element& payload);

}  // namespace xmpp::pubsub
