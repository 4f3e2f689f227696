#include "jid/jid.hpp"

#include <stdexcept>

#include "jid/domain.hpp"
#include "jid/precis.hpp"

namespace xmpp {
namespace {

tl::unexpected<Error> bad_jid(std::string message) {
  return fail(ErrorKind::usage, "bad_jid", "", std::move(message));
}

std::string too_long(const char* part) {
  return std::string(part) + " longer than " + std::to_string(Jid::k_max_part_bytes) + " bytes";
}

// RFC 7622 §3.3.1: IdentifierClass allows these ASCII characters, XMPP localparts do not.
constexpr std::string_view k_local_forbidden = "\"&'/:<>@";

std::optional<std::string> forbidden_in_local(std::string_view text) {
  for (char c : text) {
    if (k_local_forbidden.find(c) != std::string_view::npos) {
      return std::string("localpart contains forbidden character '") + c + "'";
    }
  }
  return std::nullopt;
}

Result<std::string> prepare_local(std::string_view raw) {
  if (raw.empty()) return bad_jid("localpart is empty");
  if (auto why = forbidden_in_local(raw)) return bad_jid(*why);
  auto enforced = jid::enforce_username_case_mapped(raw);
  if (!enforced) return bad_jid("localpart " + enforced.error());
  // Width mapping can turn U+FF20 FULLWIDTH COMMERCIAL AT into '@'.
  if (auto why = forbidden_in_local(*enforced)) return bad_jid(*why);
  if (enforced->size() > Jid::k_max_part_bytes) return bad_jid(too_long("localpart"));
  return std::move(*enforced);
}

Result<jid::DomainPart> prepare_domain(std::string_view raw) {
  auto prepared = jid::prepare_domainpart(raw);
  if (!prepared) return bad_jid("domainpart " + prepared.error());
  if (prepared->unicode.size() > Jid::k_max_part_bytes) return bad_jid(too_long("domainpart"));
  return std::move(*prepared);
}

Result<std::string> prepare_resource(std::string_view raw) {
  if (raw.empty()) return bad_jid("resourcepart is empty");
  auto enforced = jid::enforce_opaque_string(raw);
  if (!enforced) return bad_jid("resourcepart " + enforced.error());
  if (enforced->size() > Jid::k_max_part_bytes) return bad_jid(too_long("resourcepart"));
  return std::move(*enforced);
}

} // namespace

Result<Jid> Jid::build(std::optional<std::string_view> local, std::string_view domain,
                       std::optional<std::string_view> resource) {
  Jid jid;
  // Parts are reported left to right, as a person reads the address.
  if (local) {
    auto prepared = prepare_local(*local);
    if (!prepared) return fail(std::move(prepared.error()));
    jid.m_local = std::move(*prepared);
  }
  auto prepared_domain = prepare_domain(domain);
  if (!prepared_domain) return fail(std::move(prepared_domain.error()));
  jid.m_domain = std::move(prepared_domain->unicode);
  jid.m_ascii_domain = std::move(prepared_domain->ascii);
  if (resource) {
    auto prepared = prepare_resource(*resource);
    if (!prepared) return fail(std::move(prepared.error()));
    jid.m_resource = std::move(*prepared);
  }
  return jid;
}

Result<Jid> Jid::parse(std::string_view text) {
  // RFC 7622 §3.2: the resourcepart is everything after the first '/', the localpart everything
  // before the first '@' of what remains. The separators are matched on the raw bytes, before any
  // mapping could produce new ones (§3.1 implementation note); in UTF-8 the bytes of '/' and '@'
  // never occur inside another character.
  std::optional<std::string_view> resource;
  const std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    resource = text.substr(slash + 1);
    text = text.substr(0, slash);
  }
  std::optional<std::string_view> local;
  const std::size_t at = text.find('@');
  if (at != std::string_view::npos) {
    local = text.substr(0, at);
    text = text.substr(at + 1);
  }
  return build(local, text, resource);
}

Result<Jid> Jid::from_parts(std::string_view local, std::string_view domain,
                            std::string_view resource) {
  return build(local.empty() ? std::nullopt : std::optional(local), domain,
               resource.empty() ? std::nullopt : std::optional(resource));
}

bool Jid::has_ip_domain() const {
  return jid::is_ip_literal(m_domain);
}

Jid Jid::bare() const {
  Jid jid = *this;
  jid.m_resource.clear();
  return jid;
}

Jid Jid::domain_jid() const {
  Jid jid;
  jid.m_domain = m_domain;
  jid.m_ascii_domain = m_ascii_domain;
  return jid;
}

Jid Jid::with_resource(std::string resource) const {
  if (resource.empty()) return bare();
  auto jid = try_with_resource(resource);
  if (!jid) throw std::invalid_argument("Jid::with_resource: " + jid.error().message);
  return std::move(*jid);
}

Result<Jid> Jid::try_with_resource(std::string_view resource) const {
  auto prepared = prepare_resource(resource);
  if (!prepared) return fail(std::move(prepared.error()));
  Jid jid = *this;
  jid.m_resource = std::move(*prepared);
  return jid;
}

std::string Jid::bare_str() const {
  std::string out;
  out.reserve(m_local.size() + 1 + m_domain.size());
  if (!m_local.empty()) {
    out += m_local;
    out += '@';
  }
  out += m_domain;
  return out;
}

std::string Jid::str() const {
  std::string out = bare_str();
  if (!m_resource.empty()) {
    out += '/';
    out += m_resource;
  }
  return out;
}

std::size_t Jid::hash() const noexcept {
  // m_ascii_domain follows from m_domain, so it adds nothing to the hash.
  std::size_t h = std::hash<std::string>{}(m_local);
  for (const std::string* part : {&m_domain, &m_resource}) {
    h ^= std::hash<std::string>{}(*part) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}

bool is_same_bare(const Jid& a, const Jid& b) {
  return a.local() == b.local() && a.domain() == b.domain();
}

} // namespace xmpp
