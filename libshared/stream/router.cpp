#include "stream/router.hpp"

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "stanza/namespaces.hpp"

namespace xmpp::stream {

struct Subscription::Table {
  struct Entry {
    bool is_iq = false;
    StanzaMatch match;    // message/presence
    std::string iq_type;  // iq
    std::string iq_name;
    std::string iq_ns;
    Handler handler;
    IqHandler iq_handler;
  };
  std::map<std::uint64_t, Entry> entries;  // ordered by registration
  std::uint64_t next = 1;
};

Subscription::Subscription(Subscription&& other) noexcept
    : m_table(std::move(other.m_table)), m_id(other.m_id) {
  other.m_table.reset();
}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    m_table = std::move(other.m_table);
    m_id = other.m_id;
    other.m_table.reset();
  }
  return *this;
}

Subscription::~Subscription() {
  reset();
}

void Subscription::reset() {
  if (auto table = m_table.lock()) table->entries.erase(m_id);
  m_table.reset();
}

Router::Router() : m_table(std::make_shared<Subscription::Table>()) {}

Subscription Router::on(StanzaMatch match, Handler handler) {
  const auto id = m_table->next++;
  Subscription::Table::Entry entry;
  entry.match = std::move(match);
  entry.handler = std::move(handler);
  m_table->entries.emplace(id, std::move(entry));
  return Subscription(m_table, id);
}

Subscription Router::on_iq(std::string type, std::string name, std::string ns, IqHandler handler) {
  const auto id = m_table->next++;
  Subscription::Table::Entry entry;
  entry.is_iq = true;
  entry.iq_type = std::move(type);
  entry.iq_name = std::move(name);
  entry.iq_ns = std::move(ns);
  entry.iq_handler = std::move(handler);
  m_table->entries.emplace(id, std::move(entry));
  return Subscription(m_table, id);
}

namespace {

std::string effective_type(const xml::Element& stanza) {
  if (auto t = stanza.attr("type")) return *t;
  return stanza.name() == "message" ? "normal" : "available";
}

bool has_child_in(const xml::Element& stanza, const std::string& ns) {
  return ns.empty() || stanza.child_in(ns) != nullptr;
}

}  // namespace

std::size_t Router::dispatch(const xml::Element& stanza) {
  if (stanza.ns() != stanza::k_ns_client) return 0;
  const std::string type = effective_type(stanza);
  // Snapshot first: a handler may add or remove handlers (including itself) while we iterate.
  std::vector<Handler> matched;
  for (const auto& [id, entry] : m_table->entries) {
    if (entry.is_iq) continue;
    const StanzaMatch& m = entry.match;
    if (m.name != stanza.name()) continue;
    if (!m.type.empty() && m.type != type) continue;
    if (!has_child_in(stanza, m.ns)) continue;
    matched.push_back(entry.handler);
  }
  for (auto& handler : matched)
    handler(stanza);
  return matched.size();
}

std::optional<xml::Element> Router::answer_iq(const xml::Element& iq) {
  if (!stanza::is_iq(iq)) return std::nullopt;
  const auto type = iq.attr("type");
  if (type != "get" && type != "set") return std::nullopt;  // never answer result/error (§8.3.1)
  if (!iq.attr("id")) return std::nullopt;                  // nothing a reply could refer to
  const xml::Element* payload = stanza::iq_payload(iq);
  if (!payload) return stanza::make_error_reply(iq, stanza::make_stanza_error("bad-request"));
  IqHandler chosen;
  for (auto it = m_table->entries.rbegin(); it != m_table->entries.rend(); ++it) {
    const auto& entry = it->second;
    if (!entry.is_iq || entry.iq_type != *type) continue;
    if (entry.iq_ns != payload->ns()) continue;
    if (!entry.iq_name.empty() && entry.iq_name != payload->name()) continue;
    chosen = entry.iq_handler;
    break;
  }
  if (!chosen)
    return stanza::make_error_reply(iq, stanza::make_stanza_error("service-unavailable"));
  return chosen(iq);
}

}  // namespace xmpp::stream
