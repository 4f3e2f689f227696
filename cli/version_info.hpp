// The text of `xmpp --version` (issue 13): the project version with the git description taken at
// build time, then one line per library: the version the binary runs with where the library can
// tell, else the one it was compiled against.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xmpp::cli {

/// One library line of `xmpp --version`.
struct LibraryVersion {
  std::string name;     ///< "OpenSSL", "c-ares", ...
  std::string version;  ///< "3.0.11"
  bool run_time;        ///< asked of the loaded library; false: the headers compiled against
};

/// The libraries of the binary, in a fixed order. Only asks each library for a static string:
/// nothing is initialised (no Xerces, no SSL_CTX), so --version stays instant.
std::vector<LibraryVersion> library_versions();

/// "xmpp VERSION (git: DESCRIBE)" (without the parenthesis when `git_describe` is empty), then
/// one line per library, "NAME VERSION" plus " (compiled against)" when not run_time. No
/// trailing newline (CLI11 adds it).
std::string format_version(std::string_view project_version, std::string_view git_describe,
                           const std::vector<LibraryVersion>& libraries);

/// format_version with this build's version and description and library_versions().
std::string version_text();

}  // namespace xmpp::cli
