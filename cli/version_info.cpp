#include "version_info.hpp"

#include <ares.h>
#include <idn2.h>
#include <openssl/crypto.h>
#include <stringprep.h>
#include <unistring/version.h>

#include <CLI/Version.hpp>
#include <boost/version.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "build_version.hpp"  // generated at build time by cmake/version.cmake
#include "xml/parser.hpp"

namespace xmpp::cli {

namespace {

std::string or_unknown(const char* version) {
  return version != nullptr ? std::string(version) : std::string("unknown");
}

}  // namespace

std::vector<LibraryVersion> library_versions() {
  return {
      // OPENSSL_VERSION_STRING: the bare "3.0.11" (OpenSSL 3), not the build date.
      {"OpenSSL", or_unknown(OpenSSL_version(OPENSSL_VERSION_STRING)), true},
      {"c-ares", or_unknown(ares_version(nullptr)), true},
      {"libidn2", or_unknown(idn2_check_version(nullptr)), true},
      {"libidn", or_unknown(stringprep_check_version(nullptr)), true},
      // libunistring encodes major << 16 | minor << 8 | subminor.
      {"libunistring",
       fmt::format("{}.{}.{}", _libunistring_version >> 16, (_libunistring_version >> 8) & 0xff,
                   _libunistring_version & 0xff),
       true},
      {"Xerces-C", std::string(xml::xerces_version()), false},
      {"Boost",
       fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                   BOOST_VERSION % 100),
       false},
      {"fmt",
       fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100),
       false},
      {"CLI11",
       fmt::format("{}.{}.{}", CLI11_VERSION_MAJOR, CLI11_VERSION_MINOR, CLI11_VERSION_PATCH),
       false},
      {"nlohmann_json",
       fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                   NLOHMANN_JSON_VERSION_PATCH),
       false},
      {"tl-expected",
       fmt::format("{}.{}.{}", TL_EXPECTED_VERSION_MAJOR, TL_EXPECTED_VERSION_MINOR,
                   TL_EXPECTED_VERSION_PATCH),
       false},
  };
}

std::string format_version(std::string_view project_version, std::string_view git_describe,
                           const std::vector<LibraryVersion>& libraries) {
  std::string text = fmt::format("xmpp {}", project_version);
  if (!git_describe.empty()) text += fmt::format(" (git: {})", git_describe);
  for (const auto& library : libraries)
    text += fmt::format("\n{} {}{}", library.name, library.version,
                        library.run_time ? "" : " (compiled against)");
  return text;
}

std::string version_text() {
  return format_version(XMPP_PROJECT_VERSION, XMPP_GIT_DESCRIBE, library_versions());
}

}  // namespace xmpp::cli
