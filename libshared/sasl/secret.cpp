#include "sasl/secret.hpp"

#include <openssl/crypto.h>

namespace xmpp::sasl {

void cleanse(void* p, std::size_t n) {
  if (p != nullptr && n > 0) OPENSSL_cleanse(p, n);
}

void cleanse(std::string& s) {
  // Cleanse the whole capacity: a shrinking assignment may have left older bytes past size().
  cleanse(s.data(), s.capacity());
  s.clear();
}

}  // namespace xmpp::sasl
