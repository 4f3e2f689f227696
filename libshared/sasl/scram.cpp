#include "sasl/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <stdexcept>

#include "core/base64.hpp"
#include "sasl/saslprep.hpp"
#include "sasl/secret.hpp"

namespace xmpp::sasl {
namespace {

const EVP_MD* evp_md(ScramHash hash) {
  switch (hash) {
  case ScramHash::sha1:
    return EVP_sha1();
  case ScramHash::sha256:
    return EVP_sha256();
  case ScramHash::sha512:
    return EVP_sha512();
  }
  return EVP_sha256();
}

std::string_view mechanism_base(ScramHash hash) {
  switch (hash) {
  case ScramHash::sha1:
    return "SCRAM-SHA-1";
  case ScramHash::sha256:
    return "SCRAM-SHA-256";
  case ScramHash::sha512:
    return "SCRAM-SHA-512";
  }
  return "SCRAM-SHA-256";
}

// The crypto primitives below only fail on allocation failure or an invalid digest, i.e. on a
// bug or a broken OpenSSL; that is exception territory (STYLE.md "Errors and output").
[[noreturn]] void crypto_failure(const char* what) {
  throw std::runtime_error(std::string("OpenSSL failure in ") + what);
}

std::string as_string(const unsigned char* p, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// H(str), RFC 5802 §2.2.
std::string digest(ScramHash hash, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, evp_md(hash), nullptr) != 1)
    crypto_failure("EVP_Digest");
  std::string result = as_string(out, len);
  cleanse(out, sizeof out);
  return result;
}

// HMAC(key, str), RFC 5802 §2.2 (RFC 2104).
std::string hmac(ScramHash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (key.size() > INT_MAX || HMAC(evp_md(hash), key.data(), static_cast<int>(key.size()),
                                   bytes(data), data.size(), out, &len) == nullptr)
    crypto_failure("HMAC");
  std::string result = as_string(out, len);
  cleanse(out, sizeof out);
  return result;
}

// Hi(str, salt, i), RFC 5802 §2.2: PBKDF2 (RFC 8018) with HMAC-H and dkLen = the digest size.
std::string hi(ScramHash hash, std::string_view password, std::string_view salt, unsigned i) {
  const EVP_MD* md = evp_md(hash);
  const int size = EVP_MD_get_size(md);
  std::string out(static_cast<std::size_t>(size), '\0');
  if (password.size() > INT_MAX || salt.size() > INT_MAX || i > INT_MAX ||
      PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt),
                        static_cast<int>(salt.size()), static_cast<int>(i), md, size,
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    crypto_failure("PKCS5_PBKDF2_HMAC");
  return out;
}

tl::unexpected<Error> malformed(const std::string& what) {
  return fail(ErrorKind::protocol, "sasl_malformed", "", "malformed SCRAM message: " + what);
}
tl::unexpected<Error> auth_failed(const std::string& what) {
  return fail(ErrorKind::no_perm, "auth_failed", "", what);
}
tl::unexpected<Error> downgrade(const std::string& what) {
  return fail(ErrorKind::no_perm, "downgrade", "", what);
}

struct Attribute {
  char name = 0;
  std::string_view value;
};

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 5802 §7: attr-val = ALPHA "=" value, separated by ','. Values may contain '=' (base64) but
// never ',' or NUL.
std::optional<std::vector<Attribute>> split_attributes(std::string_view message) {
  if (message.empty() || message.find('\0') != std::string_view::npos) return std::nullopt;
  std::vector<Attribute> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = message.find(',', pos);
    const std::string_view part =
        message.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (part.size() < 2 || !is_alpha(part[0]) || part[1] != '=') return std::nullopt;
    out.push_back(Attribute{part[0], part.substr(2)});
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (printable ASCII except ',').
bool is_printable_nonce(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e && c != ','; });
}

// RFC 5802 §7: posit-number = %x31-39 *DIGIT. Values above `cap` are reported as cap + 1.
std::optional<unsigned long long> parse_positive(std::string_view s, unsigned long long cap) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return std::nullopt;
  unsigned long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v <= cap) v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

std::string xor_bytes(const std::string& a, const std::string& b) {
  std::string out(a.size(), '\0');
  for (std::size_t k = 0; k < a.size(); ++k)
    out[k] = static_cast<char>(static_cast<unsigned char>(a[k]) ^ static_cast<unsigned char>(b[k]));
  return out;
}

// Constant-time comparison of a received signature with the expected one (RFC 5802 §9 does not
// require it, but a timing oracle on `v=` costs nothing to avoid).
bool equal_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The server's e= text goes into an error message that the CLI prints: keep it short; the CLI
// escapes control characters (SECURITY.md (c) "Output").
std::string server_error_text(std::string_view value) {
  constexpr std::size_t k_max = 200;
  std::string text(value.substr(0, k_max));
  if (value.size() > k_max) text += "...";
  return text;
}

class Scram final : public Mechanism {
 public:
  Scram(ScramSetup setup, const std::string& username, std::string_view password)
      : m_hash(setup.hash),
        m_binding(setup.cbind_flag == 'p' ? setup.binding : ChannelBinding::none),
        m_binding_data(std::move(setup.binding_data)),
        m_client_nonce(std::move(setup.client_nonce)), m_offer(std::move(setup.offer)),
        m_require_ssdp(setup.require_ssdp), m_min_iterations(setup.min_iterations),
        m_max_iterations(setup.max_iterations) {
    m_password.assign(password);
    m_gs2_header = setup.cbind_flag == 'p' ? "p=" + std::string(to_string(m_binding))
                                           : std::string(1, setup.cbind_flag);
    m_gs2_header += ',';
    if (!setup.authzid.empty()) m_gs2_header += "a=" + escape_saslname(setup.authzid);
    m_gs2_header += ',';
    m_client_first_bare = "n=" + escape_saslname(username) + ",r=" + m_client_nonce;
  }

  ~Scram() override {
    cleanse(m_server_signature);
    cleanse(m_binding_data);
  }

  std::string name() const override {
    std::string n(mechanism_base(m_hash));
    if (m_binding != ChannelBinding::none) n += "-PLUS";
    return n;
  }

  std::string channel_binding() const override { return std::string(to_string(m_binding)); }

  Result<std::optional<std::string>> initial_response() override {
    if (m_state != State::initial)
      return fail(ErrorKind::software, "bug", "", "SCRAM initial response requested twice");
    m_state = State::sent_first;
    return std::optional<std::string>(m_gs2_header + m_client_first_bare);
  }

  Result<std::string> respond(const std::string& challenge) override {
    auto result = step(challenge);
    if (!result) fail_exchange();
    return result;
  }

  Result<void> verify_success(const std::optional<std::string>& additional_data) override {
    const bool has_data = additional_data.has_value() && !additional_data->empty();
    if (m_state == State::verified) {
      // The server-final-message came as a challenge (RFC 6120 §6.4.6 allows either form); if the
      // server repeats it in <success/> it must still be right.
      if (!has_data) return {};
      auto checked = check_server_final(*additional_data);
      if (!checked) fail_exchange();
      return checked;
    }
    if (m_state != State::sent_final) {
      fail_exchange();
      return auth_failed(
          "server reported SASL success before the SCRAM exchange completed (possible "
          "man-in-the-middle)");
    }
    if (!has_data) {
      fail_exchange();
      return auth_failed(
          "server reported SASL success without the SCRAM server signature (v=); it has not "
          "proved it knows the password (possible man-in-the-middle)");
    }
    auto checked = check_server_final(*additional_data);
    if (!checked) {
      fail_exchange();
      return checked;
    }
    m_state = State::verified;
    return {};
  }

 private:
  enum class State { initial, sent_first, sent_final, verified, failed };

  void fail_exchange() {
    m_state = State::failed;
    m_password.clear();
    cleanse(m_server_signature);
  }

  Result<std::string> step(const std::string& challenge) {
    switch (m_state) {
    case State::sent_first:
      return client_final(challenge);
    case State::sent_final: {
      // server-final-message sent as a challenge; the answer is an empty response.
      auto checked = check_server_final(challenge);
      if (!checked) return fail(checked.error());
      m_state = State::verified;
      return std::string();
    }
    case State::initial:
      return malformed("challenge before the client-first-message was sent");
    case State::verified:
      return malformed("challenge after the server-final-message");
    case State::failed:
      return auth_failed("SCRAM exchange already failed");
    }
    return malformed("unexpected challenge");
  }

  // RFC 5802 §5.1 and §7 server-first-message:
  //   [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
  Result<std::string> client_final(const std::string& server_first) {
    const auto attrs = split_attributes(server_first);
    if (!attrs) return malformed("server-first-message is not a list of attributes");
    const auto& a = *attrs;
    if (a[0].name == 'm')
      return auth_failed("server requires an unsupported SCRAM extension (m=, RFC 5802 §5.1)");
    if (a[0].name == 'e')
      return auth_failed("server reported SCRAM error: " + server_error_text(a[0].value));
    if (a.size() < 3 || a[0].name != 'r' || a[1].name != 's' || a[2].name != 'i')
      return malformed("server-first-message must start with r=, s=, i=");

    const std::string_view nonce = a[0].value;
    if (!is_printable_nonce(nonce)) return malformed("nonce has invalid characters");
    // RFC 5802 §5.1 r=: the server appends its own nonce to ours.
    if (nonce.size() <= m_client_nonce.size() ||
        nonce.substr(0, m_client_nonce.size()) != m_client_nonce)
      return auth_failed(
          "server nonce does not extend our nonce (possible replay or man-in-the-middle)");

    auto salt = base64_decode(a[1].value);
    if (!salt) return malformed("salt is not valid base64");
    if (salt->empty()) return malformed("salt is empty");

    const auto iterations = parse_positive(a[2].value, m_max_iterations);
    if (!iterations) return malformed("iteration count is not a positive number");
    if (*iterations < m_min_iterations || *iterations > m_max_iterations)
      return auth_failed("server iteration count " +
                         (*iterations > m_max_iterations
                              ? "above " + std::to_string(m_max_iterations)
                              : std::string(a[2].value)) +
                         " is outside the accepted range " + std::to_string(m_min_iterations) +
                         ".." + std::to_string(m_max_iterations));

    std::optional<std::string_view> ssdp;
    for (std::size_t k = 3; k < a.size(); ++k) {
      switch (a[k].name) {
      case 'm':
        return auth_failed("server requires an unsupported SCRAM extension (m=, RFC 5802 §5.1)");
      case 'r':
      case 's':
      case 'i':
        return malformed(std::string("duplicate attribute ") + a[k].name + "=");
      case 'h':
        if (ssdp) return malformed("duplicate attribute h=");
        ssdp = a[k].value;
        break;
      default:
        break;  // RFC 5802 §5.1: unknown optional extensions are ignored
      }
    }

    // XEP-0474 §3.2: the hash over what we were offered must match what the server says it offered.
    if (ssdp) {
      const auto theirs = base64_decode(*ssdp);
      const auto ours = base64_decode(ssdp_hash(m_hash, m_offer));
      if (!theirs || !ours || !equal_secret(*theirs, *ours))
        return downgrade(
            "the server's SASL mechanism / channel-binding list was altered in transit (XEP-0474 "
            "hash mismatch; possible man-in-the-middle)");
    } else if (m_require_ssdp) {
      return downgrade(
          "server lists only channel-binding types we do not support and offers no XEP-0474 "
          "downgrade protection (XEP-0440 §4; possible man-in-the-middle)");
    }

    // RFC 5802 §3.
    SecretString salted{hi(m_hash, m_password.value(), *salt, static_cast<unsigned>(*iterations))};
    m_password.clear();
    SecretString client_key{hmac(m_hash, salted.value(), "Client Key")};
    SecretString stored_key{digest(m_hash, client_key.value())};
    const std::string cbind_input =
        m_gs2_header + (m_binding != ChannelBinding::none ? m_binding_data : std::string());
    const std::string without_proof =
        "c=" + base64_encode(cbind_input) + ",r=" + std::string(nonce);
    const std::string auth_message = m_client_first_bare + "," + server_first + "," + without_proof;
    SecretString client_signature{hmac(m_hash, stored_key.value(), auth_message)};
    SecretString proof{xor_bytes(client_key.value(), client_signature.value())};
    SecretString server_key{hmac(m_hash, salted.value(), "Server Key")};
    m_server_signature = hmac(m_hash, server_key.value(), auth_message);

    m_state = State::sent_final;
    return without_proof + ",p=" + base64_encode(proof.value());
  }

  // RFC 5802 §7 server-final-message = (server-error / verifier) ["," extensions]
  Result<void> check_server_final(const std::string& server_final) {
    const auto attrs = split_attributes(server_final);
    if (!attrs) return malformed("server-final-message is not a list of attributes");
    const auto& first = attrs->front();
    if (first.name == 'e')
      return auth_failed("server reported SCRAM error: " + server_error_text(first.value));
    if (first.name == 'm')
      return auth_failed("server requires an unsupported SCRAM extension (m=, RFC 5802 §5.1)");
    if (first.name != 'v')
      return auth_failed(
          "server-final-message lacks the server signature (v=); possible man-in-the-middle");
    const auto signature = base64_decode(first.value);
    if (!signature || m_server_signature.empty() || !equal_secret(*signature, m_server_signature))
      return auth_failed(
          "server signature (v=) is wrong: the server does not know the password (possible "
          "man-in-the-middle)");
    return {};
  }

  ScramHash m_hash;
  ChannelBinding m_binding;
  std::string m_binding_data;
  std::string m_client_nonce;
  Offer m_offer;
  bool m_require_ssdp;
  unsigned m_min_iterations;
  unsigned m_max_iterations;
  SecretString m_password;  ///< SASLprep'd; cleansed as soon as SaltedPassword is computed
  std::string m_gs2_header;
  std::string m_client_first_bare;
  std::string m_server_signature;
  State m_state = State::initial;
};

}  // namespace

std::string_view to_string(ChannelBinding cb) {
  switch (cb) {
  case ChannelBinding::none:
    return "";
  case ChannelBinding::tls_unique:
    return "tls-unique";
  case ChannelBinding::tls_server_end_point:
    return "tls-server-end-point";
  case ChannelBinding::tls_exporter:
    return "tls-exporter";
  }
  return "";
}

std::string escape_saslname(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == ',')
      out += "=2C";
    else if (c == '=')
      out += "=3D";
    else
      out += c;
  }
  return out;
}

std::string ssdp_hash(ScramHash hash, const Offer& offer) {
  // XEP-0474 §3.1; std::string's operator< compares bytes as unsigned char, i.e. "i;octet"
  // (RFC 4790 §9.3).
  const auto joined = [](std::vector<std::string> items) {
    std::sort(items.begin(), items.end());
    std::string s;
    for (std::size_t k = 0; k < items.size(); ++k) {
      if (k > 0) s += '\x1e';
      s += items[k];
    }
    return s;
  };
  std::string s = joined(offer.mechanisms);
  if (offer.cb_types_advertised) s += '\x1f' + joined(offer.cb_types);
  return base64_encode(digest(hash, s));
}

Result<std::unique_ptr<Mechanism>> make_scram(ScramSetup setup) {
  SecretString raw_password;
  raw_password.assign(setup.password);
  cleanse(setup.password);
  if (!is_printable_nonce(setup.client_nonce))
    return fail(ErrorKind::software, "bug", "",
                "SCRAM client nonce must be printable ASCII without ','");
  if (setup.cbind_flag != 'n' && setup.cbind_flag != 'y' && setup.cbind_flag != 'p')
    return fail(ErrorKind::software, "bug", "", "SCRAM gs2 flag must be n, y or p");
  if (setup.cbind_flag == 'p' &&
      (setup.binding == ChannelBinding::none || setup.binding_data.empty()))
    return fail(ErrorKind::software, "bug", "",
                "SCRAM -PLUS needs a channel-binding type and data");
  if (setup.min_iterations == 0 || setup.min_iterations > setup.max_iterations ||
      setup.max_iterations > INT_MAX)
    return fail(ErrorKind::software, "bug", "", "SCRAM iteration bounds are inconsistent");

  // RFC 5802 §5.1: the user name is SASLprep'd as a query string. The password is SASLprep'd as a
  // query string too, although RFC 5802 §2.2 says "stored": the two modes give the same output and
  // differ only in refusing code points unassigned in Unicode 3.2 (stringprep's tables), which
  // would lock out passwords holding later characters such as emoji, that servers (Prosody among
  // them) accept.
  auto username = saslprep(setup.username, SaslprepMode::query);
  if (!username)
    return fail(ErrorKind::usage, "bad_credentials", "", "user name: " + username.error().message);
  if (username->empty()) return fail(ErrorKind::usage, "bad_credentials", "", "user name is empty");
  auto password = saslprep(raw_password.value(), SaslprepMode::query);
  if (!password)
    return fail(ErrorKind::usage, "bad_credentials", "", "password: " + password.error().message);
  auto scram = std::make_unique<Scram>(std::move(setup), *username, *password);
  cleanse(*password);
  return std::unique_ptr<Mechanism>(std::move(scram));
}

}  // namespace xmpp::sasl
