#include "sasl/simple.hpp"

#include "sasl/saslprep.hpp"
#include "sasl/secret.hpp"

namespace xmpp::sasl {
namespace {

tl::unexpected<Error> unexpected_challenge(const std::string& mechanism) {
  return fail(ErrorKind::protocol, "sasl_malformed", "",
              "unexpected SASL challenge for " + mechanism + " (a one-message mechanism)");
}

// Neither RFC 4616 nor RFC 4505 defines additional data with success (RFC 4422 §3.6).
Result<void> no_additional_data(const std::optional<std::string>& data,
                                const std::string& mechanism) {
  if (data && !data->empty())
    return fail(ErrorKind::protocol, "sasl_malformed", "",
                "unexpected additional data with SASL success for " + mechanism);
  return {};
}

class Plain final : public Mechanism {
 public:
  explicit Plain(std::string_view message) { m_message.assign(message); }

  std::string name() const override { return "PLAIN"; }

  Result<std::optional<std::string>> initial_response() override {
    if (m_sent)
      return fail(ErrorKind::software, "bug", "", "PLAIN initial response requested twice");
    m_sent = true;
    std::optional<std::string> out(m_message.value());
    m_message.clear();
    return out;
  }

  Result<std::string> respond(const std::string&) override { return unexpected_challenge(name()); }

  Result<void> verify_success(const std::optional<std::string>& data) override {
    if (!m_sent)
      return fail(
          ErrorKind::no_perm, "auth_failed", "",
          "server reported SASL success before authentication (possible man-in-the-middle)");
    return no_additional_data(data, name());
  }

 private:
  SecretString m_message;
  bool m_sent = false;
};

class Anonymous final : public Mechanism {
 public:
  std::string name() const override { return "ANONYMOUS"; }

  Result<std::optional<std::string>> initial_response() override {
    m_sent = true;
    return std::optional<std::string>(std::string());
  }

  // A server that ignored the initial response asks with an empty challenge; the answer is the
  // same empty trace (RFC 4505 §3).
  Result<std::string> respond(const std::string& challenge) override {
    if (!challenge.empty()) return unexpected_challenge(name());
    m_sent = true;
    return std::string();
  }

  Result<void> verify_success(const std::optional<std::string>& data) override {
    if (!m_sent)
      return fail(
          ErrorKind::no_perm, "auth_failed", "",
          "server reported SASL success before authentication (possible man-in-the-middle)");
    return no_additional_data(data, name());
  }

 private:
  bool m_sent = false;
};

}  // namespace

Result<std::unique_ptr<Mechanism>> make_plain(const Credentials& credentials, const TlsState& tls) {
  if (!tls.active || !tls.verified)
    return fail(ErrorKind::no_perm, "no_mechanism", "",
                tls.active ? "refusing SASL PLAIN: the server's TLS certificate is not verified"
                           : "refusing SASL PLAIN without TLS");
  auto authcid = saslprep(credentials.authcid, SaslprepMode::query);
  if (!authcid)
    return fail(ErrorKind::usage, "bad_credentials", "", "user name: " + authcid.error().message);
  if (authcid->empty()) return fail(ErrorKind::usage, "bad_credentials", "", "user name is empty");
  auto password = saslprep(credentials.password, SaslprepMode::query);
  if (!password)
    return fail(ErrorKind::usage, "bad_credentials", "", "password: " + password.error().message);
  // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd. SASLprep already refused NUL
  // in user name and password; the authzid (a JID) must not hold one either.
  if (credentials.authzid.find('\0') != std::string::npos) {
    cleanse(*password);
    return fail(ErrorKind::usage, "bad_credentials", "", "authorization identity contains NUL");
  }
  SecretString message;
  message.value().reserve(credentials.authzid.size() + authcid->size() + password->size() + 2);
  message.value() += credentials.authzid;
  message.value() += '\0';
  message.value() += *authcid;
  message.value() += '\0';
  message.value() += *password;
  cleanse(*password);
  return std::unique_ptr<Mechanism>(std::make_unique<Plain>(message.value()));
}

std::unique_ptr<Mechanism> make_anonymous() {
  return std::make_unique<Anonymous>();
}

}  // namespace xmpp::sasl
