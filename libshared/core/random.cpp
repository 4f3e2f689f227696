#include "core/random.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace xmpp {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return out;
}

std::string random_id() {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string raw = random_bytes(22);
  std::string id;
  id.reserve(raw.size());
  for (unsigned char c : raw) id.push_back(k_alphabet[c & 63]);  // 22 * 6 = 132 bits
  return id;
}

}  // namespace xmpp
