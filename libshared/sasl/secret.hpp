// Memory hygiene for secrets (SECURITY.md (c) "Memory hygiene": OPENSSL_cleanse password and
// SaltedPassword buffers). Internal to libshared/sasl.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xmpp::sasl {

/// Overwrites `n` bytes at `p` in a way the compiler may not elide (OPENSSL_cleanse).
void cleanse(void* p, std::size_t n);

/// Overwrites the string's bytes, then empties it.
void cleanse(std::string& s);

/// A std::string that is cleansed when it goes out of scope.
/// Moving a short string copies its bytes (SSO), so secrets are copied in with assign() and the
/// source is cleansed by its owner.
class SecretString {
 public:
  SecretString() = default;
  /// Takes over `s` (for values computed locally, e.g. HMAC outputs).
  explicit SecretString(std::string&& s) : m_value(std::move(s)) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { cleanse(m_value); }

  std::string& value() { return m_value; }
  const std::string& value() const { return m_value; }
  /// Replaces the value by a copy of `s`, cleansing the old one first.
  void assign(std::string_view s) {
    cleanse(m_value);
    m_value.assign(s.data(), s.size());
  }
  void clear() { cleanse(m_value); }

 private:
  std::string m_value;
};

}  // namespace xmpp::sasl
