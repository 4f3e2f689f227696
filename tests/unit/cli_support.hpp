// Helpers for the unit_cli tests: a private temporary directory and files with chosen modes.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "output.hpp"

namespace xmpp::test {

/// A fresh 0700 directory under $TMPDIR (or /tmp), removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/xmpp-cli-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }

  /// Writes `text` to `name` with `mode` (chmod after writing, so the umask does not interfere).
  std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) const {
    const auto p = file(name);
    {
      std::ofstream out(p, std::ios::binary | std::ios::trunc);
      out << text;
      REQUIRE(out.good());
    }
    REQUIRE(::chmod(p.c_str(), mode) == 0);
    return p;
  }

 private:
  std::string m_path;
};

/// U+202E RIGHT-TO-LEFT OVERRIDE, which a hostile peer puts in names to reorder the terminal.
inline constexpr std::string_view k_rlo = "\xe2\x80\xae";

/// A report as its human text.
inline std::string human(const cli::Report& report) {
  std::ostringstream out;
  report.print_human(out);
  return out.str();
}

/// The keys of a JSON object, in order.
inline std::vector<std::string> keys(const nlohmann::ordered_json& doc) {
  std::vector<std::string> k;
  for (auto it = doc.begin(); it != doc.end(); ++it) k.push_back(it.key());
  return k;
}

}  // namespace xmpp::test
