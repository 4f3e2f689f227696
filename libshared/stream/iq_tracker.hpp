// Pending iq requests and the rule for which reply answers them (RFC 6120 §8.1.2.1, §8.2.3;
// SECURITY.md rows 31-33): the id AND the sender must match, sans-I/O.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "jid/jid.hpp"
#include "xml/element.hpp"

namespace xmpp::stream {

/// Whether an iq result/error whose 'from' is `reply_from` may answer a request we addressed to
/// `request_to` (nullopt = no 'to'), when our own full JID is `own`:
/// - sent without 'to', to our bare JID or to our server's domain: the server answers on behalf of
///   the account (RFC 6120 §8.1.2.1 rules 2 and 3, §10.3), so 'from' may be absent, our bare JID
///   or the domain;
/// - sent to any other address: 'from' must be that address exactly (after JID normalisation).
///   A reply from anyone else is a spoofing attempt (CVE-2013-6483) and is not a reply.
bool reply_from_matches(const std::optional<Jid>& request_to,
                        const std::optional<std::string>& reply_from, const Jid& own);

class IqTracker {
 public:
  /// Our bound full JID (the rule above needs it).
  void set_own(Jid own) { m_own = std::move(own); }

  /// Registers a request; false when `id` is already pending.
  bool add(const std::string& id, std::optional<Jid> to);
  bool pending(const std::string& id) const { return m_pending.count(id) != 0; }
  std::size_t size() const { return m_pending.size(); }

  /// Offers an inbound iq. True when it is a result/error answering a pending request (the first
  /// answer is kept; duplicates are not answers). A get/set is never an answer, even with a pending
  /// id (SECURITY.md row 32).
  bool deliver(const xml::Element& iq);
  /// The answer for `id` if one arrived; removes the entry then.
  std::optional<xml::Element> take(const std::string& id);
  /// Forgets `id` (timeout or cancellation): a late answer is then ignored.
  void remove(const std::string& id) { m_pending.erase(id); }

 private:
  struct Entry {
    std::optional<Jid> to;
    std::optional<xml::Element> reply;
  };
  Jid m_own;
  std::map<std::string, Entry> m_pending;
};

}  // namespace xmpp::stream
