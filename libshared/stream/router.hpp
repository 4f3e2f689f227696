// Inbound dispatch (STYLE.md: handlers by (name, namespace, type), as libstrophe does, never a
// central registry): message and presence observers, and iq get/set responders (RFC 6120 §8.2.3).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xml/element.hpp"

namespace xmpp::stream {

/// Which inbound message or presence a handler sees.
struct StanzaMatch {
  std::string name;  ///< "message" or "presence" (jabber:client)
  std::string ns;    ///< the stanza must have a child element in this namespace; empty = any
  /// The type attribute, with RFC defaults (a message without type is "normal", a presence
  /// without type is "available"); empty = any.
  std::string type;
};

/// Observes a message or presence. Plain function: command code that needs to wait does so on its
/// own signal (or with Session::wait_for).
using Handler = std::function<void(const xml::Element& stanza)>;
/// Answers an iq get/set: returns the complete reply (stanza::make_result / make_error_reply).
using IqHandler = std::function<xml::Element(const xml::Element& iq)>;

class Router;

/// Unregisters its handler when destroyed (move-only). Safe to outlive the router.
class [[nodiscard]] Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  /// Unregisters now.
  void reset();
  /// Keeps the handler registered for the router's lifetime and forgets it.
  void release() { m_table.reset(); }
  bool active() const { return !m_table.expired(); }

 private:
  friend class Router;
  struct Table;
  Subscription(std::weak_ptr<Table> table, std::uint64_t id)
      : m_table(std::move(table)), m_id(id) {}
  std::weak_ptr<Table> m_table;
  std::uint64_t m_id = 0;
};

class Router {
 public:
  Router();

  /// Calls `handler` for every inbound message/presence matching `match`, in registration order.
  Subscription on(StanzaMatch match, Handler handler);
  /// Answers iq get/set (`type`) whose single payload child is (name, ns); empty name = any name in
  /// `ns`. The most recently registered matching responder answers.
  Subscription on_iq(std::string type, std::string name, std::string ns, IqHandler handler);

  /// Delivers a message or presence to every matching handler; returns how many were called.
  /// Handlers may register and unregister handlers while being called.
  std::size_t dispatch(const xml::Element& stanza);
  /// The reply to an inbound iq get/set: the responder's, else <bad-request/> when the iq does not
  /// have exactly one payload child and <service-unavailable/> when nobody answers (RFC 6120
  /// §8.2.3, §8.4; SECURITY.md rows 32, 34). nullopt for anything that must not be answered
  /// (result, error, unknown type, no id).
  std::optional<xml::Element> answer_iq(const xml::Element& iq);

 private:
  std::shared_ptr<Subscription::Table> m_table;
};

}  // namespace xmpp::stream
