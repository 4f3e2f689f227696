#include "pubsub_publish.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "xep/pubsub/payloads.hpp"
#include "xml/parser.hpp"
#include "xml/writer.hpp"

namespace xmpp::cli {
namespace {

constexpr std::string_view k_space = " \t\r\n";

tl::unexpected<Error> bad_payload(std::string message) {
  return fail(ErrorKind::data, "bad_payload", "", std::move(message));
}

bool blank(std::string_view text) {
  return text.find_first_not_of(k_space) == std::string_view::npos;
}

}  // namespace

Result<ServiceArg> parse_service_arg(std::string_view text) {
  ServiceArg out;
  if (text.empty() || text == "pep") return out;
  auto jid = Jid::parse(text);
  if (!jid) return fail(jid.error().with_context("SERVICE"));
  out.jid = std::move(*jid);
  // A bare domain names a server or a component: its pubsub service is looked up (issue 7).
  out.kind =
      !out.jid.has_local() && out.jid.is_bare() ? ServiceArg::Kind::domain : ServiceArg::Kind::jid;
  return out;
}

Result<PayloadSource> check_publish(const PubsubArgs& args, bool stdin_is_tty) {
  if (!args.atom && (args.title || args.link || args.summary))
    return fail(usage_error("--title, --link and --summary describe an Atom entry: add --atom"));
  if (!args.geoloc && args.accuracy) return fail(usage_error("--accuracy needs --geoloc LAT,LON"));
  if (!args.create_if_missing && !args.sets.empty())
    return fail(usage_error("--set configures a node publish creates: add --create-if-missing (or "
                      "change an existing node with `xmpp pubsub configure`)"));
  std::vector<std::pair<std::string, PayloadSource>> given;
  if (args.payload_file) given.emplace_back("--payload-file", PayloadSource::file);
  // With --geoloc, --text is the location's description (XEP-0080 <text/>).
  if (args.text && !args.geoloc) given.emplace_back("--text", PayloadSource::text);
  if (args.atom) given.emplace_back("--atom", PayloadSource::atom);
  if (args.geoloc) given.emplace_back("--geoloc", PayloadSource::geoloc);
  if (given.size() > 1)
    return fail(usage_error("the payload comes from one source: " + given[0].first + " and " +
                      given[1].first + " were both given"));
  const PayloadSource source = given.empty() ? PayloadSource::standard_input : given[0].second;
  if (args.json_payload && source != PayloadSource::standard_input && source != PayloadSource::file)
    return fail(usage_error("--json-payload reads JSON from stdin or --payload-file, not with " +
                      given[0].first));
  if (source == PayloadSource::atom && !args.title)
    return fail(usage_error("--atom needs --title (RFC 4287 §4.1.2: an entry has a title)"));
  if (source == PayloadSource::standard_input && stdin_is_tty)
    return fail(ErrorKind::usage, "no_payload", "",
                "no payload: pipe one XML element (or JSON with --json-payload) to stdin, or "
                "give --payload-file, --text, --atom or --geoloc");
  return source;
}

Result<xml::Element> parse_xml_payload(std::string_view input, std::string_view what) {
  const std::string name(what);
  if (!xml::is_xml_text(input))
    return bad_payload(name + " is not XML text (invalid UTF-8 or control characters)");
  if (blank(input)) return bad_payload(name + " is empty: the payload is one XML element");
  xml::XercesParser parser;
  const auto trimmed = input.substr(input.find_first_not_of(k_space));
  if (trimmed.starts_with("<?xml")) {
    // An XML declaration may only open a document (XML 1.0 §2.8): read it as one.
    auto root = parser.parse_document(trimmed);
    if (!root)
      return bad_payload(name + " is not one well-formed XML element: " + root.error().message);
    return std::move(*root);
  }
  // Inside a wrapper in no namespace, so the payload keeps exactly the namespaces it declares
  // and two elements or stray text can be told apart from bad XML.
  std::string document = "<payload>";
  document += input;
  document += "</payload>";
  auto root = parser.parse_document(document);
  if (!root) return bad_payload(name + " is not well-formed XML: " + root.error().message);
  std::optional<xml::Element> found;
  for (const auto& node : root->nodes()) {
    if (node.is_text()) {
      if (!blank(node.text()))
        return bad_payload(name + " has text outside of the payload element" +
                           (found ? ""
                                  : " (the payload is one XML element, not text; --text "
                                    "publishes text)"));
      continue;
    }
    if (found)
      return bad_payload(name + " holds more than one element (<" + found->name() + "/> and <" +
                         node.element().name() +
                         "/>): an item carries one payload element "
                         "(XEP-0060 §7.1.1)");
    found = node.element();
  }
  if (!found) return bad_payload(name + " holds no XML element");
  return std::move(*found);
}

Result<xml::Element> parse_json_payload(std::string_view input, std::string_view what) {
  std::string text(input);
  if (text.ends_with('\n')) text.pop_back();
  if (!nlohmann::json::accept(text))
    return bad_payload(std::string(what) + " is not JSON (RFC 8259), as --json-payload says");
  auto element = pubsub::make_json(std::move(text));
  if (!element) return fail(element.error().with_context(std::string(what)));
  return element;
}

Result<xml::Element> build_payload(const PubsubArgs& args, PayloadSource source,
                                   const std::optional<std::string>& input, time::Timestamp now) {
  switch (source) {
  case PayloadSource::standard_input:
  case PayloadSource::file: {
    const std::string what = source == PayloadSource::file && *args.payload_file != "-"
                                 ? *args.payload_file
                                 : std::string("stdin");
    const std::string content = input.value_or("");
    return args.json_payload ? parse_json_payload(content, what) : parse_xml_payload(content, what);
  }
  case PayloadSource::text:
    return pubsub::make_text(*args.text);
  case PayloadSource::atom: {
    pubsub::AtomEntry entry;
    entry.title = args.title.value_or("");
    entry.link = args.link;
    entry.summary = args.summary;
    entry.id = pubsub::new_atom_id();
    entry.updated = now;
    return pubsub::make_atom_entry(entry);
  }
  case PayloadSource::geoloc: {
    auto geoloc = pubsub::parse_lat_lon(*args.geoloc);
    if (!geoloc) return fail(geoloc.error().with_context("--geoloc"));
    geoloc->accuracy = args.accuracy;
    geoloc->text = args.text;
    return pubsub::make_geoloc(*geoloc);
  }
  }
  return bad_payload("no payload");
}

}  // namespace xmpp::cli
