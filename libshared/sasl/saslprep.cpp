#include "sasl/saslprep.hpp"

#include <idn-free.h>
#include <stringprep.h>

#include <cstring>

#include "sasl/secret.hpp"

namespace xmpp::sasl {

Result<std::string> saslprep(std::string_view text, SaslprepMode mode) {
  // stringprep works on C strings: an embedded NUL would silently truncate the input (and NUL is
  // prohibited output anyway, RFC 4013 §2.3 via RFC 3454 C.2.1).
  if (text.find('\0') != std::string_view::npos)
    return fail(ErrorKind::usage, "saslprep", "", "contains a NUL character");
  SecretString input{std::string(text)};
  // RFC 4013 §2.5 and RFC 3454 §7: stored strings must not contain unassigned code points.
  const auto flags = mode == SaslprepMode::stored ? STRINGPREP_NO_UNASSIGNED
                                                  : static_cast<Stringprep_profile_flags>(0);
  char* out = nullptr;
  const int rc = stringprep_profile(input.value().c_str(), &out, "SASLprep", flags);
  if (rc != STRINGPREP_OK) {
    if (out != nullptr) idn_free(out);
    return fail(ErrorKind::usage, "saslprep", "",
                std::string("not a valid SASLprep string (RFC 4013): ") +
                    stringprep_strerror(static_cast<Stringprep_rc>(rc)));
  }
  std::string result(out);
  cleanse(out, std::strlen(out));
  idn_free(out);
  return result;
}

}  // namespace xmpp::sasl
