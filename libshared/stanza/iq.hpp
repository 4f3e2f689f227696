// Info/Query stanzas (RFC 6120 §8.2.3): builders for requests and their replies, type parsing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "stanza/error.hpp"
#include "xml/element.hpp"

namespace xmpp::stanza {

enum class IqType { get, set, result, error };

std::string_view to_string(IqType type);
std::optional<IqType> parse_iq_type(std::string_view text);

/// True for <iq xmlns='jabber:client'/>.
bool is_iq(const xml::Element& e);
/// The iq's type, nullopt when absent or not one of the four (RFC 6120 §8.2.3).
std::optional<IqType> iq_type(const xml::Element& iq);

/// <iq type=TYPE [to=TO] [id=ID]>PAYLOAD</iq>. An empty `to` means "no to" (the account itself,
/// RFC 6120 §8.1.1.1); an empty `id` leaves the id to Session::request, which assigns a random one.
xml::Element make_iq(IqType type, std::string to, std::optional<xml::Element> payload,
                     std::string id = {});

/// The result to `request`: same id, addressed to its sender (no 'to' when it had no 'from').
xml::Element make_result(const xml::Element& request,
                         std::optional<xml::Element> payload = std::nullopt);

/// The error reply to any stanza (RFC 6120 §8.3.1): same element name and id, type 'error',
/// addressed to the sender, carrying `error`. Never call it for a stanza that is itself an error
/// or an iq result (RFC 6120 §8.3.1 rule 1); `must_not_reply` tells.
xml::Element make_error_reply(const xml::Element& request, const StanzaError& error);

/// True when RFC 6120 forbids answering `stanza` with an error: it is an error itself, or an iq
/// result (§8.2.3, §8.3.1).
bool must_not_reply(const xml::Element& stanza);

/// The single payload child of an iq (get/set must have exactly one, §8.2.3); nullptr when it has
/// none or more than one.
const xml::Element* iq_payload(const xml::Element& iq);

/// True when `iq` is a get whose one payload (§8.2.3) is <name xmlns=ns/>: how a responder
/// recognises the request it answers.
bool is_get_of(const xml::Element& iq, std::string_view name, std::string_view ns);

}  // namespace xmpp::stanza
