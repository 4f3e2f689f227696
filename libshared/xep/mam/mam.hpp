// XEP-0313 Message Archive Management (version 1.1.3, urn:xmpp:mam:2): the query with its XEP-0004
// filter form and XEP-0059 page (§4), the result messages (§4.2), the <fin/> (§4, §4.3.2) and the
// check that a result comes from the archive we asked (§8.2, SECURITY.md row 37). No I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/rsm/rsm.hpp"
#include "xep/time/time.hpp"
#include "xml/element.hpp"

namespace xmpp::mam {

inline constexpr std::string_view k_ns = "urn:xmpp:mam:2";
/// §7: archives that also take before-id/after-id/ids, flip-page and metadata queries.
inline constexpr std::string_view k_feature_extended = "urn:xmpp:mam:2#extended";
/// XEP-0297 Stanza Forwarding: the <forwarded/> around each archived message.
inline constexpr std::string_view k_ns_forward = "urn:xmpp:forward:0";
/// XEP-0004 Data Forms: the filter (§4.1).
inline constexpr std::string_view k_ns_data = "jabber:x:data";

/// Which messages a query asks for (§4.1). Every field is optional; an empty filter matches the
/// whole archive and sends no form.
struct Filter {
  std::optional<time::Timestamp> start;  ///< 'start': messages at or after this time (§4.1.2)
  std::optional<time::Timestamp> end;    ///< 'end': messages at or before this time
  /// 'with' (§4.1.1): messages to or from this JID; a bare JID also matches its full JIDs. In a
  /// MUC archive: messages whose publisher is this JID.
  std::optional<Jid> with;
  // The extended fields (§4.1.3): only for archives advertising k_feature_extended.
  std::optional<std::string> after_id;   ///< 'after-id': messages after this archive id
  std::optional<std::string> before_id;  ///< 'before-id': messages before this archive id
  std::vector<std::string> ids;          ///< 'ids': exactly these archive ids
  /// 'include-groupchat' (§4.1.4): only for archives advertising urn:xmpp:mam:2#groupchat-field.
  std::optional<bool> include_groupchat;

  /// True when no field is set (no form is sent).
  bool empty() const;
  bool operator==(const Filter&) const = default;
};

/// One query iq's <query/> (§4).
struct Query {
  std::string queryid;              ///< echoed in every result (§4.2); empty = no attribute
  std::optional<std::string> node;  ///< a pubsub node's archive (XEP-0442); nullopt = none
  Filter filter;
  std::optional<rsm::Request> page;  ///< the RSM <set/> (§4.3): max, after, before ("" = last page)
  bool flip_page = false;            ///< <flip-page/> (§4.3.4, extended archives only)
  bool operator==(const Query&) const = default;
};

/// The submit form `<x xmlns='jabber:x:data' type='submit'>` with the hidden FORM_TYPE and one
/// <field var=.. ><value/></field> per set field of `filter`, in the spec's order (§4.1, §10.2):
/// with, start, end (XEP-0082 dateTime, UTC), after-id, before-id, ids, include-groupchat.
xml::Element make_filter_form(const Filter& filter);

/// `<query xmlns='urn:xmpp:mam:2' [queryid] [node]>[form][set][flip-page]</query>`: the form only
/// when the filter is not empty.
xml::Element make_query(const Query& query);

/// `<iq type='set' [to=ARCHIVE] [id]>` carrying make_query(query) (§4). `archive` nullopt = our own
/// archive (no 'to': the server answers for the account, RFC 6120 §10.3.3). An empty `id` is left
/// to Session::request.
xml::Element make_query_iq(const std::optional<Jid>& archive, const Query& query,
                           std::string id = {});

/// One archived message, unwrapped from its result (§4.2).
struct ArchivedMessage {
  std::string id;  ///< the archive's UID of the message (the <result/>'s 'id'): RSM after/before
  /// When the archive received or sent it (the <delay/> in <forwarded/>, XEP-0203). The spec says
  /// SHOULD: nullopt when there is none or its stamp is no XEP-0082 dateTime.
  std::optional<time::Timestamp> stamp;
  /// The forwarded jabber:client <message/> as stored. nullopt when the archive left it out: a
  /// server may remove a message from the middle of an archive and keep only its id (§3.2).
  std::optional<xml::Element> message;
  /// The inner message's 'from' and 'to' (in a MUC archive 'from' is the sender's occupant JID and
  /// there is no 'to', §6.1.2); nullopt when absent or not a valid JID.
  std::optional<Jid> from;
  std::optional<Jid> to;
  std::optional<std::string> body;  ///< stanza::message_body of the inner message
  bool operator==(const ArchivedMessage&) const = default;
};

/// True when `message` carries a urn:xmpp:mam:2 <result/>.
bool is_result(const xml::Element& message);

/// True when `archive` is our own account's archive: nullopt, or our bare JID.
bool is_own_archive(const std::optional<Jid>& archive, const Jid& own);

/// True when `message` came from the archive we queried (§8.2): for our own archive (`archive`
/// nullopt, or our own bare JID) it has no 'from' or 'from' is our bare JID; for any other
/// archive (a room, a pubsub service) 'from' is exactly that archive's JID. A room occupant, our
/// server's domain or any contact is not the archive.
bool is_from_archive(const xml::Element& message, const std::optional<Jid>& archive,
                     const Jid& own);

/// True when `message` is a result of OUR query (SECURITY.md row 37, CVE-2020-26547): a
/// urn:xmpp:mam:2 <result/> from the archive (is_from_archive) whose 'queryid' is `queryid` (an
/// empty `queryid`: the result has none). Anything else is to be ignored, not parsed.
bool is_result_of(const xml::Element& message, const std::optional<Jid>& archive, const Jid& own,
                  std::string_view queryid);

/// The 'queryid' of the <result/>, nullopt when there is no <result/> or it has no queryid.
std::optional<std::string> result_queryid(const xml::Element& message);

/// Unwraps a result message (§4.2): the <result/>'s 'id', the <delay/> stamp and the jabber:client
/// <message/> inside <forwarded/>. Does NOT check who sent it (is_result_of does). Errors, kind
/// protocol, code "bad_result": no <result/>, no or empty 'id', no <forwarded/>, more than one
/// <message/> inside it.
Result<ArchivedMessage> parse_result(const xml::Element& message);

/// The end of one query's results: the iq result's <fin/> (§4.3).
struct Fin {
  bool complete = false;  ///< 'complete': no page follows this one in the direction asked
  bool stable = true;     ///< 'stable' false: the results may still change (§4.3.2)
  /// The RSM <set/> (<first/>, <last/>, <count/>); nullopt when the <fin/> has none.
  std::optional<rsm::Page> page;
  bool operator==(const Fin&) const = default;
};

/// Reads the <fin/> of the iq result ending a query. xs:boolean attributes ("true"/"1",
/// "false"/"0"); any other value is the default. Errors, kind protocol, code "bad_fin": no <fin/>.
Result<Fin> parse_fin(const xml::Element& iq);

/// How errors name an archive: "message archive of coven@chat.example", or "our message archive
/// (alice@example.test)" for our own (`archive` nullopt or our bare JID).
std::string describe_archive(const std::optional<Jid>& archive, const Jid& own);

/// An archive's stanza error reworded for a person (the caller adds describe_archive as context).
/// `error` is what Session::request returned for a query; a stanza error (code "stanza_error")
/// keeps its kind, code and condition, and its message says what the condition means for an
/// archive, e.g. "coven@chat.example keeps no message archive (XEP-0313), or cannot filter as
/// asked (feature-not-implemented)"; `by_id` says the query named an archive id (RSM after/before
/// or the id fields), so that item-not-found means that id is unknown, not the archive. Any other
/// error (timeout, session failure) is returned as it is.
Error describe_error(const Error& error, const std::optional<Jid>& archive, const Jid& own,
                     bool by_id);

// ---- the archive's side (fakes in tests, and a future responder) ----

/// Reads a query iq (§4). Errors, kind protocol, code "bad_query", with the condition the archive
/// answers: bad-request (no <query/>, a form that is not a urn:xmpp:mam:2 submit form, a start or
/// end that is no XEP-0082 dateTime, a bad boolean), jid-malformed (with), feature-not-implemented
/// (a field this module does not know, as §4.1.5 asks).
Result<Query> parse_query(const xml::Element& iq);

/// The result message for `item` (§4.2): `<message><result xmlns='urn:xmpp:mam:2' [queryid]
/// id=ID><forwarded xmlns='urn:xmpp:forward:0'>[<delay stamp/>][<message/>]</forwarded></result>
/// </message>`, without 'to', 'from' or 'id' (the caller addresses it). Only item.id, stamp and
/// message are used.
xml::Element make_result(const ArchivedMessage& item, std::string_view queryid);

/// The <fin/> (§4.3) with 'complete' only when true, 'stable' only when false, and the <set/>.
xml::Element make_fin(const Fin& fin);

}  // namespace xmpp::mam
