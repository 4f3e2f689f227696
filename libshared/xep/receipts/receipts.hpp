// XEP-0184 Message Delivery Receipts (version 1.4.0): the <request/> a sender adds, the
// <received/> ack a recipient returns, and when an ack is due (§5). No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace xmpp::receipts {

inline constexpr std::string_view k_ns = "urn:xmpp:receipts";

/// `<request xmlns='urn:xmpp:receipts'/>`, to add to a content message that carries an id (§5).
xml::Element make_request();

/// True when `message` carries a `<request xmlns='urn:xmpp:receipts'/>`.
bool has_request(const xml::Element& message);

/// The `id` of the `<received xmlns='urn:xmpp:receipts' id=.../>` that `message` carries (an ack
/// message, §5 example 2), or nullopt when it carries none or the id is missing or empty.
std::optional<std::string> received_id(const xml::Element& message);

/// The ack message answering `message`: `<message to=FROM id=NEW [type=T]><received
/// id=ID/></message>` with a fresh random id, the content message's type (chat, normal or headline,
/// §5 "good practice") and nothing else inside (§5 "only one child element"). nullopt when no ack
/// is due: no request, no 'id' or no 'from' on the message, a message of type error or groupchat
/// (§4.3: receipts are for one-to-one messages; an error is never answered, RFC 6120 §8.3.1), or a
/// message that is itself an ack (§4.4, no loops).
std::optional<xml::Element> make_receipt(const xml::Element& message);

}  // namespace xmpp::receipts
