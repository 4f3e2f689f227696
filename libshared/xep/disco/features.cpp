#include "xep/disco/features.hpp"

#include <algorithm>

namespace xmpp::disco {
namespace {

// Titles as the specs themselves give them (the XEP's <title>, the RFC's title).
constexpr FeatureSpec k_rfc3921{
    "RFC 3921",
    "Extensible Messaging and Presence Protocol (XMPP): Instant Messaging and Presence"};
constexpr FeatureSpec k_rfc6120{"RFC 6120",
                                "Extensible Messaging and Presence Protocol (XMPP): Core"};
constexpr FeatureSpec k_rfc6121{
    "RFC 6121",
    "Extensible Messaging and Presence Protocol (XMPP): Instant Messaging and Presence"};
constexpr FeatureSpec k_rfc7395{
    "RFC 7395", "An Extensible Messaging and Presence Protocol (XMPP) Subprotocol for WebSocket"};
constexpr FeatureSpec k_xep0004{"XEP-0004", "Data Forms"};
constexpr FeatureSpec k_xep0012{"XEP-0012", "Last Activity"};
constexpr FeatureSpec k_xep0013{"XEP-0013", "Flexible Offline Message Retrieval"};
constexpr FeatureSpec k_xep0016{"XEP-0016", "Privacy Lists"};
constexpr FeatureSpec k_xep0020{"XEP-0020", "Feature Negotiation"};
constexpr FeatureSpec k_xep0030{"XEP-0030", "Service Discovery"};
constexpr FeatureSpec k_xep0033{"XEP-0033", "Extended Stanza Addressing"};
constexpr FeatureSpec k_xep0045{"XEP-0045", "Multi-User Chat"};
constexpr FeatureSpec k_xep0047{"XEP-0047", "In-Band Bytestreams"};
constexpr FeatureSpec k_xep0048{"XEP-0048", "Bookmarks"};
constexpr FeatureSpec k_xep0049{"XEP-0049", "Private XML Storage"};
constexpr FeatureSpec k_xep0050{"XEP-0050", "Ad-Hoc Commands"};
constexpr FeatureSpec k_xep0054{"XEP-0054", "vcard-temp"};
constexpr FeatureSpec k_xep0055{"XEP-0055", "Jabber Search"};
constexpr FeatureSpec k_xep0059{"XEP-0059", "Result Set Management"};
constexpr FeatureSpec k_xep0060{"XEP-0060", "Publish-Subscribe"};
constexpr FeatureSpec k_xep0065{"XEP-0065", "SOCKS5 Bytestreams"};
constexpr FeatureSpec k_xep0066{"XEP-0066", "Out of Band Data"};
constexpr FeatureSpec k_xep0070{"XEP-0070", "Verifying HTTP Requests via XMPP"};
constexpr FeatureSpec k_xep0071{"XEP-0071", "XHTML-IM"};
constexpr FeatureSpec k_xep0077{"XEP-0077", "In-Band Registration"};
constexpr FeatureSpec k_xep0078{"XEP-0078", "Non-SASL Authentication"};
constexpr FeatureSpec k_xep0079{"XEP-0079", "Advanced Message Processing"};
constexpr FeatureSpec k_xep0080{"XEP-0080", "User Location"};
constexpr FeatureSpec k_xep0084{"XEP-0084", "User Avatar"};
constexpr FeatureSpec k_xep0085{"XEP-0085", "Chat State Notifications"};
constexpr FeatureSpec k_xep0090{"XEP-0090", "Legacy Entity Time"};
constexpr FeatureSpec k_xep0091{"XEP-0091", "Legacy Delayed Delivery"};
constexpr FeatureSpec k_xep0092{"XEP-0092", "Software Version"};
constexpr FeatureSpec k_xep0095{"XEP-0095", "Stream Initiation"};
constexpr FeatureSpec k_xep0096{"XEP-0096", "SI File Transfer"};
constexpr FeatureSpec k_xep0107{"XEP-0107", "User Mood"};
constexpr FeatureSpec k_xep0108{"XEP-0108", "User Activity"};
constexpr FeatureSpec k_xep0114{"XEP-0114", "Jabber Component Protocol"};
constexpr FeatureSpec k_xep0115{"XEP-0115", "Entity Capabilities"};
constexpr FeatureSpec k_xep0118{"XEP-0118", "User Tune"};
constexpr FeatureSpec k_xep0122{"XEP-0122", "Data Forms Validation"};
constexpr FeatureSpec k_xep0124{"XEP-0124", "Bidirectional-streams Over Synchronous HTTP (BOSH)"};
constexpr FeatureSpec k_xep0133{"XEP-0133", "Service Administration"};
constexpr FeatureSpec k_xep0138{"XEP-0138", "Stream Compression"};
constexpr FeatureSpec k_xep0141{"XEP-0141", "Data Forms Layout"};
constexpr FeatureSpec k_xep0144{"XEP-0144", "Roster Item Exchange"};
constexpr FeatureSpec k_xep0153{"XEP-0153", "vCard-Based Avatars"};
constexpr FeatureSpec k_xep0157{"XEP-0157", "Contact Addresses for XMPP Services"};
constexpr FeatureSpec k_xep0158{"XEP-0158", "CAPTCHA Forms"};
constexpr FeatureSpec k_xep0160{"XEP-0160", "Best Practices for Handling Offline Messages"};
constexpr FeatureSpec k_xep0163{"XEP-0163", "Personal Eventing Protocol"};
constexpr FeatureSpec k_xep0166{"XEP-0166", "Jingle"};
constexpr FeatureSpec k_xep0167{"XEP-0167", "Jingle RTP Sessions"};
constexpr FeatureSpec k_xep0172{"XEP-0172", "User Nickname"};
constexpr FeatureSpec k_xep0176{"XEP-0176", "Jingle ICE-UDP Transport Method"};
constexpr FeatureSpec k_xep0184{"XEP-0184", "Message Delivery Receipts"};
constexpr FeatureSpec k_xep0186{"XEP-0186", "Invisible Command"};
constexpr FeatureSpec k_xep0191{"XEP-0191", "Blocking Command"};
constexpr FeatureSpec k_xep0198{"XEP-0198", "Stream Management"};
constexpr FeatureSpec k_xep0199{"XEP-0199", "XMPP Ping"};
constexpr FeatureSpec k_xep0202{"XEP-0202", "Entity Time"};
constexpr FeatureSpec k_xep0203{"XEP-0203", "Delayed Delivery"};
constexpr FeatureSpec k_xep0206{"XEP-0206", "XMPP Over BOSH"};
constexpr FeatureSpec k_xep0215{"XEP-0215", "External Service Discovery"};
constexpr FeatureSpec k_xep0220{"XEP-0220", "Server Dialback"};
constexpr FeatureSpec k_xep0221{"XEP-0221", "Data Forms Media Element"};
constexpr FeatureSpec k_xep0224{"XEP-0224", "Attention"};
constexpr FeatureSpec k_xep0231{"XEP-0231", "Bits of Binary"};
constexpr FeatureSpec k_xep0232{"XEP-0232", "Software Information"};
constexpr FeatureSpec k_xep0234{"XEP-0234", "Jingle File Transfer"};
constexpr FeatureSpec k_xep0249{"XEP-0249", "Direct MUC Invitations"};
constexpr FeatureSpec k_xep0257{"XEP-0257", "Client Certificate Management for SASL EXTERNAL"};
constexpr FeatureSpec k_xep0258{"XEP-0258", "Security Labels in XMPP"};
constexpr FeatureSpec k_xep0260{"XEP-0260", "Jingle SOCKS5 Bytestreams Transport Method"};
constexpr FeatureSpec k_xep0261{"XEP-0261", "Jingle In-Band Bytestreams Transport Method"};
constexpr FeatureSpec k_xep0264{"XEP-0264", "Jingle Content Thumbnails"};
constexpr FeatureSpec k_xep0279{"XEP-0279", "Server IP Check"};
constexpr FeatureSpec k_xep0280{"XEP-0280", "Message Carbons"};
constexpr FeatureSpec k_xep0288{"XEP-0288", "Bidirectional Server-to-Server Connections"};
constexpr FeatureSpec k_xep0292{"XEP-0292", "vCard4 Over XMPP"};
constexpr FeatureSpec k_xep0297{"XEP-0297", "Stanza Forwarding"};
constexpr FeatureSpec k_xep0300{"XEP-0300", "Use of Cryptographic Hash Functions in XMPP"};
constexpr FeatureSpec k_xep0307{"XEP-0307", "Unique Room Names for Multi-User Chat"};
constexpr FeatureSpec k_xep0308{"XEP-0308", "Last Message Correction"};
constexpr FeatureSpec k_xep0313{"XEP-0313", "Message Archive Management"};
constexpr FeatureSpec k_xep0317{"XEP-0317", "Hats"};
constexpr FeatureSpec k_xep0319{"XEP-0319", "Last User Interaction in Presence"};
constexpr FeatureSpec k_xep0320{"XEP-0320", "Use of DTLS-SRTP in Jingle Sessions"};
constexpr FeatureSpec k_xep0333{"XEP-0333", "Displayed Markers"};
constexpr FeatureSpec k_xep0334{"XEP-0334", "Message Processing Hints"};
constexpr FeatureSpec k_xep0352{"XEP-0352", "Client State Indication"};
constexpr FeatureSpec k_xep0353{"XEP-0353", "Jingle Message Initiation"};
constexpr FeatureSpec k_xep0355{"XEP-0355", "Namespace Delegation"};
constexpr FeatureSpec k_xep0356{"XEP-0356", "Privileged Entity"};
constexpr FeatureSpec k_xep0357{"XEP-0357", "Push Notifications"};
constexpr FeatureSpec k_xep0359{"XEP-0359", "Unique and Stable Stanza IDs"};
constexpr FeatureSpec k_xep0363{"XEP-0363", "HTTP File Upload"};
constexpr FeatureSpec k_xep0369{"XEP-0369", "Mediated Information eXchange (MIX)"};
constexpr FeatureSpec k_xep0372{"XEP-0372", "References"};
constexpr FeatureSpec k_xep0373{"XEP-0373", "OpenPGP for XMPP"};
constexpr FeatureSpec k_xep0377{"XEP-0377", "Spam Reporting"};
constexpr FeatureSpec k_xep0379{"XEP-0379", "Pre-Authenticated Roster Subscription"};
constexpr FeatureSpec k_xep0380{"XEP-0380", "Explicit Message Encryption"};
constexpr FeatureSpec k_xep0382{"XEP-0382", "Spoiler messages"};
constexpr FeatureSpec k_xep0384{"XEP-0384", "OMEMO Encryption"};
constexpr FeatureSpec k_xep0385{"XEP-0385", "Stateless Inline Media Sharing (SIMS)"};
constexpr FeatureSpec k_xep0386{"XEP-0386", "Bind 2"};
constexpr FeatureSpec k_xep0388{"XEP-0388", "Extensible SASL Profile"};
constexpr FeatureSpec k_xep0390{"XEP-0390", "Entity Capabilities 2.0"};
constexpr FeatureSpec k_xep0393{"XEP-0393", "Message Styling"};
constexpr FeatureSpec k_xep0398{"XEP-0398", "User Avatar to vCard-Based Avatars Conversion"};
constexpr FeatureSpec k_xep0402{"XEP-0402", "PEP Native Bookmarks"};
constexpr FeatureSpec k_xep0405{
    "XEP-0405", "Mediated Information eXchange (MIX): Participant Server Requirements"};
constexpr FeatureSpec k_xep0410{"XEP-0410", "MUC Self-Ping (Schrödinger's Chat)"};
constexpr FeatureSpec k_xep0411{"XEP-0411", "Bookmarks Conversion"};
constexpr FeatureSpec k_xep0420{"XEP-0420", "Stanza Content Encryption"};
constexpr FeatureSpec k_xep0421{"XEP-0421", "Occupant identifiers for semi-anonymous MUCs"};
constexpr FeatureSpec k_xep0422{"XEP-0422", "Message Fastening"};
constexpr FeatureSpec k_xep0424{"XEP-0424", "Message Retraction"};
constexpr FeatureSpec k_xep0425{"XEP-0425", "Moderated Message Retraction"};
constexpr FeatureSpec k_xep0428{"XEP-0428", "Fallback Indication"};
constexpr FeatureSpec k_xep0433{"XEP-0433", "Extended Channel Search"};
constexpr FeatureSpec k_xep0440{"XEP-0440", "SASL Channel-Binding Type Capability"};
constexpr FeatureSpec k_xep0444{"XEP-0444", "Message Reactions"};
constexpr FeatureSpec k_xep0445{"XEP-0445", "Pre-Authenticated In-Band Registration"};
constexpr FeatureSpec k_xep0446{"XEP-0446", "File metadata element"};
constexpr FeatureSpec k_xep0447{"XEP-0447", "Stateless file sharing"};
constexpr FeatureSpec k_xep0461{"XEP-0461", "Message Replies"};
constexpr FeatureSpec k_xep0484{"XEP-0484", "Fast Authentication Streamlining Tokens"};

// Sorted by var, byte-wise (std::string_view's comparison); static_asserts below keep it so.
constexpr FeatureEntry k_exact[] = {
    {"eu.siacs.conversations.axolotl.devicelist", k_xep0384},
    {"http://jabber.org/features/compress", k_xep0138},
    {"http://jabber.org/features/iq-auth", k_xep0078},
    {"http://jabber.org/features/iq-register", k_xep0077},
    {"http://jabber.org/network/serverinfo", k_xep0157},
    {"http://jabber.org/protocol/activity", k_xep0108},
    {"http://jabber.org/protocol/address", k_xep0033},
    {"http://jabber.org/protocol/admin", k_xep0133},
    {"http://jabber.org/protocol/amp", k_xep0079},
    {"http://jabber.org/protocol/bytestreams", k_xep0065},
    {"http://jabber.org/protocol/caps", k_xep0115},
    {"http://jabber.org/protocol/chatstates", k_xep0085},
    {"http://jabber.org/protocol/commands", k_xep0050},
    {"http://jabber.org/protocol/compress", k_xep0138},
    {"http://jabber.org/protocol/disco#info", k_xep0030},
    {"http://jabber.org/protocol/disco#items", k_xep0030},
    {"http://jabber.org/protocol/feature-neg", k_xep0020},
    {"http://jabber.org/protocol/geoloc", k_xep0080},
    {"http://jabber.org/protocol/http-auth", k_xep0070},
    {"http://jabber.org/protocol/httpbind", k_xep0124},
    {"http://jabber.org/protocol/ibb", k_xep0047},
    {"http://jabber.org/protocol/mood", k_xep0107},
    {"http://jabber.org/protocol/muc", k_xep0045},
    {"http://jabber.org/protocol/muc#self-ping-optimization", k_xep0410},
    {"http://jabber.org/protocol/muc#unique", k_xep0307},
    {"http://jabber.org/protocol/nick", k_xep0172},
    {"http://jabber.org/protocol/offline", k_xep0013},
    {"http://jabber.org/protocol/pubsub", k_xep0060},
    {"http://jabber.org/protocol/rosterx", k_xep0144},
    {"http://jabber.org/protocol/rsm", k_xep0059},
    {"http://jabber.org/protocol/si", k_xep0095},
    {"http://jabber.org/protocol/si/profile/file-transfer", k_xep0096},
    {"http://jabber.org/protocol/tune", k_xep0118},
    {"http://jabber.org/protocol/xdata-layout", k_xep0141},
    {"http://jabber.org/protocol/xdata-validate", k_xep0122},
    {"http://jabber.org/protocol/xhtml-im", k_xep0071},
    {"jabber:client", k_rfc6120},
    {"jabber:component:accept", k_xep0114},
    {"jabber:iq:auth", k_xep0078},
    {"jabber:iq:last", k_xep0012},
    {"jabber:iq:oob", k_xep0066},
    {"jabber:iq:privacy", k_xep0016},
    {"jabber:iq:private", k_xep0049},
    {"jabber:iq:register", k_xep0077},
    {"jabber:iq:roster", k_rfc6121},
    {"jabber:iq:search", k_xep0055},
    {"jabber:iq:time", k_xep0090},
    {"jabber:iq:version", k_xep0092},
    {"jabber:server", k_rfc6120},
    {"jabber:server:dialback", k_xep0220},
    {"jabber:x:conference", k_xep0249},
    {"jabber:x:data", k_xep0004},
    {"jabber:x:delay", k_xep0091},
    {"jabber:x:oob", k_xep0066},
    {"msgoffline", k_xep0160},
    {"muc_hidden", k_xep0045},
    {"muc_membersonly", k_xep0045},
    {"muc_moderated", k_xep0045},
    {"muc_nonanonymous", k_xep0045},
    {"muc_open", k_xep0045},
    {"muc_passwordprotected", k_xep0045},
    {"muc_persistent", k_xep0045},
    {"muc_public", k_xep0045},
    {"muc_rooms", k_xep0045},
    {"muc_semianonymous", k_xep0045},
    {"muc_temporary", k_xep0045},
    {"muc_unmoderated", k_xep0045},
    {"muc_unsecured", k_xep0045},
    {"storage:bookmarks", k_xep0048},
    {"urn:ietf:params:xml:ns:vcard-4.0", k_xep0292},
    {"urn:ietf:params:xml:ns:xmpp-bind", k_rfc6120},
    {"urn:ietf:params:xml:ns:xmpp-framing", k_rfc7395},
    {"urn:ietf:params:xml:ns:xmpp-sasl", k_rfc6120},
    {"urn:ietf:params:xml:ns:xmpp-session", k_rfc3921},
    {"urn:ietf:params:xml:ns:xmpp-stanzas", k_rfc6120},
    {"urn:ietf:params:xml:ns:xmpp-streams", k_rfc6120},
    {"urn:ietf:params:xml:ns:xmpp-tls", k_rfc6120},
    {"urn:xmpp:attention:0", k_xep0224},
    {"urn:xmpp:avatar:data", k_xep0084},
    {"urn:xmpp:avatar:metadata", k_xep0084},
    {"urn:xmpp:bidi", k_xep0288},
    {"urn:xmpp:bind:0", k_xep0386},
    {"urn:xmpp:blocking", k_xep0191},
    {"urn:xmpp:blocking:errors", k_xep0191},
    {"urn:xmpp:bob", k_xep0231},
    {"urn:xmpp:bookmarks-conversion:0", k_xep0411},
    {"urn:xmpp:bookmarks:1", k_xep0402},
    {"urn:xmpp:caps", k_xep0390},
    {"urn:xmpp:captcha", k_xep0158},
    {"urn:xmpp:carbons:2", k_xep0280},
    {"urn:xmpp:carbons:rules:0", k_xep0280},
    {"urn:xmpp:chat-markers:0", k_xep0333},
    {"urn:xmpp:csi:0", k_xep0352},
    {"urn:xmpp:dataforms:softwareinfo", k_xep0232},
    {"urn:xmpp:delay", k_xep0203},
    {"urn:xmpp:delegation:1", k_xep0355},
    {"urn:xmpp:delegation:2", k_xep0355},
    {"urn:xmpp:eme:0", k_xep0380},
    {"urn:xmpp:extdisco:1", k_xep0215},
    {"urn:xmpp:extdisco:2", k_xep0215},
    {"urn:xmpp:fallback:0", k_xep0428},
    {"urn:xmpp:fast:0", k_xep0484},
    {"urn:xmpp:fasten:0", k_xep0422},
    {"urn:xmpp:features:bidi", k_xep0288},
    {"urn:xmpp:features:dialback", k_xep0220},
    {"urn:xmpp:features:pre-approval", k_rfc6121},
    {"urn:xmpp:features:rosterver", k_rfc6121},
    {"urn:xmpp:file:metadata:0", k_xep0446},
    {"urn:xmpp:forward:0", k_xep0297},
    {"urn:xmpp:hashes:1", k_xep0300},
    {"urn:xmpp:hashes:2", k_xep0300},
    {"urn:xmpp:hats:0", k_xep0317},
    {"urn:xmpp:hints", k_xep0334},
    {"urn:xmpp:http:upload", k_xep0363},
    {"urn:xmpp:http:upload:0", k_xep0363},
    {"urn:xmpp:ibr-token:0", k_xep0445},
    {"urn:xmpp:idle:1", k_xep0319},
    {"urn:xmpp:invisible:0", k_xep0186},
    {"urn:xmpp:jingle-message:0", k_xep0353},
    {"urn:xmpp:jingle-message:1", k_xep0353},
    {"urn:xmpp:jingle:1", k_xep0166},
    {"urn:xmpp:jingle:apps:dtls:0", k_xep0320},
    {"urn:xmpp:jingle:apps:rtp:1", k_xep0167},
    {"urn:xmpp:jingle:apps:rtp:audio", k_xep0167},
    {"urn:xmpp:jingle:apps:rtp:video", k_xep0167},
    {"urn:xmpp:jingle:transports:ibb:1", k_xep0261},
    {"urn:xmpp:jingle:transports:ice-udp:1", k_xep0176},
    {"urn:xmpp:jingle:transports:s5b:1", k_xep0260},
    {"urn:xmpp:mam:0", k_xep0313},
    {"urn:xmpp:mam:1", k_xep0313},
    {"urn:xmpp:mam:2", k_xep0313},
    {"urn:xmpp:media-element", k_xep0221},
    {"urn:xmpp:message-correct:0", k_xep0308},
    {"urn:xmpp:message-moderate:0", k_xep0425},
    {"urn:xmpp:message-moderate:1", k_xep0425},
    {"urn:xmpp:message-retract:0", k_xep0424},
    {"urn:xmpp:message-retract:1", k_xep0424},
    {"urn:xmpp:mix:core:1", k_xep0369},
    {"urn:xmpp:mix:pam:2", k_xep0405},
    {"urn:xmpp:occupant-id:0", k_xep0421},
    {"urn:xmpp:omemo:2", k_xep0384},
    {"urn:xmpp:omemo:2:bundles", k_xep0384},
    {"urn:xmpp:omemo:2:devices", k_xep0384},
    {"urn:xmpp:openpgp:0", k_xep0373},
    {"urn:xmpp:openpgp:0:public-keys", k_xep0373},
    {"urn:xmpp:pars:0", k_xep0379},
    {"urn:xmpp:pep-vcard-conversion:0", k_xep0398},
    {"urn:xmpp:ping", k_xep0199},
    {"urn:xmpp:privilege:1", k_xep0356},
    {"urn:xmpp:privilege:2", k_xep0356},
    {"urn:xmpp:push:0", k_xep0357},
    {"urn:xmpp:reactions:0", k_xep0444},
    {"urn:xmpp:receipts", k_xep0184},
    {"urn:xmpp:reference:0", k_xep0372},
    {"urn:xmpp:reply:0", k_xep0461},
    {"urn:xmpp:reporting:0", k_xep0377},
    {"urn:xmpp:reporting:1", k_xep0377},
    {"urn:xmpp:sasl-cb:0", k_xep0440},
    {"urn:xmpp:sasl:2", k_xep0388},
    {"urn:xmpp:saslcert:1", k_xep0257},
    {"urn:xmpp:sce:1", k_xep0420},
    {"urn:xmpp:sec-label:0", k_xep0258},
    {"urn:xmpp:sec-label:catalog:2", k_xep0258},
    {"urn:xmpp:sfs:0", k_xep0447},
    {"urn:xmpp:sic:0", k_xep0279},
    {"urn:xmpp:sic:1", k_xep0279},
    {"urn:xmpp:sid:0", k_xep0359},
    {"urn:xmpp:sims:1", k_xep0385},
    {"urn:xmpp:sm:2", k_xep0198},
    {"urn:xmpp:sm:3", k_xep0198},
    {"urn:xmpp:spoiler:0", k_xep0382},
    {"urn:xmpp:styling:0", k_xep0393},
    {"urn:xmpp:thumbs:1", k_xep0264},
    {"urn:xmpp:time", k_xep0202},
    {"urn:xmpp:xbosh", k_xep0206},
    {"vcard-temp", k_xep0054},
    {"vcard-temp:x:update", k_xep0153},
};

// Feature families whose members a spec defines by suffixing a registered namespace.
constexpr FeatureEntry k_prefixes[] = {
    {"http://jabber.org/protocol/amp#", k_xep0079},
    {"http://jabber.org/protocol/amp?", k_xep0079},
    {"http://jabber.org/protocol/muc#", k_xep0045},
    {"http://jabber.org/protocol/pubsub#", k_xep0060},
    {"urn:xmpp:bookmarks:1#", k_xep0402},
    {"urn:xmpp:channel-search:0:", k_xep0433},
    {"urn:xmpp:hash-function-text-names:", k_xep0300},
    {"urn:xmpp:jingle:apps:file-transfer:", k_xep0234},
    {"urn:xmpp:mam:2#", k_xep0313},
};

constexpr bool sorted_unique(std::span<const FeatureEntry> table) {
  return std::adjacent_find(table.begin(), table.end(), [](const auto& a, const auto& b) {
           return !(a.var < b.var);
         }) == table.end();
}
static_assert(sorted_unique(k_exact), "k_exact must be sorted by var, without duplicates");
static_assert(sorted_unique(k_prefixes), "k_prefixes must be sorted by var, without duplicates");

constexpr std::string_view k_notify = "+notify";

std::optional<FeatureSpec> lookup(std::string_view var) {
  const auto it =
      std::lower_bound(std::begin(k_exact), std::end(k_exact), var,
                       [](const FeatureEntry& e, std::string_view v) { return e.var < v; });
  if (it != std::end(k_exact) && it->var == var) return it->spec;
  const FeatureEntry* best = nullptr;
  for (const auto& entry : k_prefixes)
    if (var.size() > entry.var.size() && var.substr(0, entry.var.size()) == entry.var &&
        (best == nullptr || entry.var.size() > best->var.size()))
      best = &entry;
  if (best != nullptr) return best->spec;
  return std::nullopt;
}

}  // namespace

std::optional<FeatureSpec> feature_spec(std::string_view var) {
  if (auto spec = lookup(var)) return spec;
  // XEP-0060 §9.2: NodeID+notify asks for the notifications of that node; under PEP (XEP-0163)
  // the NodeID is the namespace of the payload, so the payload's spec says what it is.
  if (var.size() > k_notify.size() && var.substr(var.size() - k_notify.size()) == k_notify) {
    if (auto spec = lookup(var.substr(0, var.size() - k_notify.size()))) return spec;
    return k_xep0163;
  }
  return std::nullopt;
}

std::span<const FeatureEntry> exact_features() {
  return k_exact;
}

std::span<const FeatureEntry> prefix_features() {
  return k_prefixes;
}

}  // namespace xmpp::disco
