#include "xep/pubsub/payloads.hpp"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "core/random.hpp"
#include "xml/writer.hpp"

namespace xmpp::pubsub {
namespace {

tl::unexpected<Error> bad_payload(ErrorKind kind, std::string message) {
  return fail(kind, "bad_payload", "", std::move(message));
}

/// Text for a payload: XML 1.0 must be able to carry it (the writer throws otherwise).
Result<void> check_text(std::string_view what, std::string_view text) {
  if (!xml::is_xml_text(text))
    return bad_payload(ErrorKind::data,
                       std::string(what) +
                           " contains characters XML cannot carry (control characters or "
                           "invalid UTF-8)");
  return {};
}

xml::Element text_element(std::string_view name, std::string_view ns, std::string text) {
  auto e = xml::element(name, ns);
  if (!text.empty()) e.add_text(std::move(text));
  return e;
}

/// xs:decimal (XML Schema Part 2 §3.2.3): an optional sign, digits with at most one '.', at least
/// one digit; no exponent, no spaces.
bool is_decimal(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
  bool digit = false;
  bool dot = false;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digit;
}

Result<void> check_number(std::string_view what, std::string_view text, double low, double high,
                          std::string_view range) {
  if (!is_decimal(text))
    return fail(ErrorKind::usage, "bad_geoloc", "",
                std::string(what) + " '" + std::string(text) + "' is not a decimal number");
  // is_decimal admits only digits, one dot and a sign: strtod reads all of it.
  const double value = std::strtod(std::string(text).c_str(), nullptr);
  if (value < low || value > high)
    return fail(ErrorKind::usage, "bad_geoloc", "",
                std::string(what) + " " + std::string(text) + " is not " + std::string(range));
  return {};
}

constexpr std::string_view k_lat_range = "between -90 and 90 degrees";
constexpr std::string_view k_lon_range = "between -180 and 180 degrees";

}  // namespace

// ---- plain text ----

Result<xml::Element> make_text(std::string text) {
  if (auto ok = check_text("the text", text); !ok) return fail(ok.error());
  return text_element("data", k_ns_text, std::move(text));
}

std::optional<std::string> text_of(const xml::Element& payload) {
  if (!payload.is("data", k_ns_text)) return std::nullopt;
  return payload.text();
}

// ---- Atom ----

std::string new_atom_id() {
  std::string bytes = random_bytes(16);
  // RFC 4122 §4.4: version 4 in the high nibble of octet 6, variant 10 in octet 8.
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);
  std::string out = "urn:uuid:";
  char hex[3];
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(bytes[i]));
    out += hex;
  }
  return out;
}

Result<xml::Element> make_atom_entry(const AtomEntry& entry) {
  if (entry.title.empty())
    return bad_payload(ErrorKind::usage, "an Atom entry needs a title (RFC 4287 §4.1.2)");
  if (entry.id.empty())
    return bad_payload(ErrorKind::usage, "an Atom entry needs an id (RFC 4287 §4.1.2)");
  const std::string none;
  for (const auto& [what, text] :
       {std::pair<std::string_view, const std::string*>{"the title", &entry.title},
        {"the link", entry.link ? &*entry.link : &none},
        {"the summary", entry.summary ? &*entry.summary : &none},
        {"the id", &entry.id}})
    if (auto ok = check_text(what, *text); !ok) return fail(ok.error());
  auto e = xml::element("entry", k_ns_atom);
  e.add_child(text_element("title", k_ns_atom, entry.title)).set_attr("type", "text");
  if (entry.link) {
    auto& link = e.add_child(xml::element("link", k_ns_atom));
    link.set_attr("rel", "alternate");
    link.set_attr("href", *entry.link);
  }
  if (entry.summary)
    e.add_child(text_element("summary", k_ns_atom, *entry.summary)).set_attr("type", "text");
  e.add_child(text_element("id", k_ns_atom, entry.id));
  // RFC 4287 §3.3: an RFC 3339 date-time; XEP-0082's profile with 'Z' is one.
  e.add_child(text_element("updated", k_ns_atom, time::format_utc(entry.updated)));
  return e;
}

Result<AtomEntry> parse_atom_entry(const xml::Element& payload) {
  if (!payload.is("entry", k_ns_atom))
    return bad_payload(ErrorKind::protocol, "the payload is not an Atom entry");
  AtomEntry out;
  const auto title = payload.child_text("title", k_ns_atom);
  const auto id = payload.child_text("id", k_ns_atom);
  const auto updated = payload.child_text("updated", k_ns_atom);
  if (!title || !id || !updated)
    return bad_payload(ErrorKind::protocol,
                       "the Atom entry lacks an id, a title or an updated time (RFC 4287 §4.1.2)");
  auto stamp = time::parse_datetime(*updated);
  if (!stamp)
    return bad_payload(ErrorKind::protocol, "the Atom entry's updated '" + *updated +
                                                "' is no RFC 3339 date-time");
  out.title = *title;
  out.id = *id;
  out.updated = *stamp;
  out.summary = payload.child_text("summary", k_ns_atom);
  for (const auto* link : payload.children("link", k_ns_atom)) {
    // §4.2.7.2: a link without rel is an alternate link.
    if (link->attr("rel").value_or("alternate") != "alternate") continue;
    out.link = link->attr("href");
    if (out.link) break;
  }
  return out;
}

// ---- geoloc ----

Result<Geoloc> parse_lat_lon(std::string_view text) {
  const auto comma = text.find(',');
  if (comma == std::string_view::npos)
    return fail(ErrorKind::usage, "bad_geoloc", "",
                "'" + std::string(text) + "' is not LAT,LON (decimal degrees, e.g. 45.44,12.33)");
  const auto trim = [](std::string_view part) {
    const auto first = part.find_first_not_of(' ');
    if (first == std::string_view::npos) return std::string();
    return std::string(part.substr(first, part.find_last_not_of(' ') - first + 1));
  };
  Geoloc out;
  out.lat = trim(text.substr(0, comma));
  out.lon = trim(text.substr(comma + 1));
  if (auto ok = check_number("latitude", out.lat, -90, 90, k_lat_range); !ok) return fail(ok.error());
  if (auto ok = check_number("longitude", out.lon, -180, 180, k_lon_range); !ok) return fail(ok.error());
  return out;
}

Result<void> check_geoloc(const Geoloc& geoloc) {
  if (auto ok = check_number("latitude", geoloc.lat, -90, 90, k_lat_range); !ok) return ok;
  if (auto ok = check_number("longitude", geoloc.lon, -180, 180, k_lon_range); !ok) return ok;
  if (geoloc.accuracy)
    if (auto ok = check_number("accuracy", *geoloc.accuracy, 0, 1e308, "a distance in meters (0 or more)"); !ok) return ok;
  if (geoloc.text)
    if (auto ok = check_text("the location text", *geoloc.text); !ok) return ok;
  return {};
}

Result<xml::Element> make_geoloc(const Geoloc& geoloc, std::string lang) {
  if (auto ok = check_geoloc(geoloc); !ok) return fail(ok.error());
  auto e = xml::element("geoloc", k_ns_geoloc);
  if (!lang.empty()) e.set_attr_ns(std::string(xml::k_ns_xml), "lang", std::move(lang));
  // §5: the children form an xs:sequence: accuracy < lat < lon < text.
  if (geoloc.accuracy) e.add_child(text_element("accuracy", k_ns_geoloc, *geoloc.accuracy));
  e.add_child(text_element("lat", k_ns_geoloc, geoloc.lat));
  e.add_child(text_element("lon", k_ns_geoloc, geoloc.lon));
  if (geoloc.text) e.add_child(text_element("text", k_ns_geoloc, *geoloc.text));
  return e;
}

Result<Geoloc> parse_geoloc(const xml::Element& payload) {
  if (!payload.is("geoloc", k_ns_geoloc))
    return bad_payload(ErrorKind::protocol, "the payload is not an XEP-0080 geoloc");
  Geoloc out;
  out.lat = payload.child_text("lat", k_ns_geoloc).value_or("");
  out.lon = payload.child_text("lon", k_ns_geoloc).value_or("");
  out.accuracy = payload.child_text("accuracy", k_ns_geoloc);
  out.text = payload.child_text("text", k_ns_geoloc);
  return out;
}

// ---- JSON ----

Result<xml::Element> make_json(std::string json) {
  if (auto ok = check_text("the JSON", json); !ok) return fail(ok.error());
  return text_element("json", k_ns_json, std::move(json));
}

std::optional<std::string> json_of(const xml::Element& payload) {
  if (!payload.is("json", k_ns_json)) return std::nullopt;
  return payload.text();
}

}  // namespace xmpp::pubsub
