// Finding which resource of a bare JID to talk to (XEP-0030 version 2.5.0 disco#info to each
// available resource, RFC 6121 §4.7.2.3 priorities): what a command that needs a full JID (a
// Jingle file transfer, XEP-0234) does when it was given a bare one.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"

namespace xmpp::disco {

struct ResourceChoice {
  Jid jid;  ///< the full JID chosen
  int priority = 0;
  std::vector<Jid> tried;  ///< available resources that did not list the feature (or failed disco)
};

struct FindOptions {
  std::chrono::milliseconds timeout{15000};   ///< the whole operation
  std::chrono::milliseconds remote_grace{0};  ///< extra wait for remote-domain presence
  /// Without remote_grace: when no resource of the JID was seen by the round trip's answer, how
  /// long to wait for the first one (some servers, ejabberd 23.01, send a local contact's or our
  /// other resources' presence from their own sessions, after that answer).
  std::chrono::milliseconds local_grace{1000};
};

/// Finds an available resource of `bare` (a full JID counts as its bare JID) that lists `feature`
/// in disco#info:
/// 1. observes presence from `bare` (router().on) BEFORE sending anything;
/// 2. sends <presence><priority>-1</priority></presence> (available; -1 so that no message to our
///    bare JID is routed to us, RFC 6121 §4.7.2.3), unless `already_present` is true (then only
///    presence that arrives after the call is seen: call it before the server can have answered
///    the caller's presence, i.e. right after sending it);
/// 3. an iq round trip to our server (XEP-0199 ping to our domain; an error answer counts) so
///    that the presence the server sends us on our initial presence (our own resources, contacts
///    who share presence) has arrived; plus remote_grace; or, without remote_grace and while no
///    available resource of `bare` (other than ours) was seen, until one is or local_grace ends;
/// 4. available resources of `bare` (excluding our own full JID; unavailable ones removed;
///    presence from the bare JID itself names no resource and is skipped) sorted by priority
///    (highest first), then resource; disco#info to each in that order, each waiting at most for
///    what is left of `options.timeout`; the first that has the feature wins.
/// Our presence is left as it is: the caller goes unavailable (or closes) when done.
/// Errors: kind remote, code "no_resource" ("no available resource of X ...; give the full JID"),
/// saying whether none was seen at all (we see presence only of our own account and of contacts
/// who share theirs) or which ones lacked the feature and why; the session's error when it failed;
/// kind temporary "timeout" when `options.timeout` ran out.
awaitable<Result<ResourceChoice>> find_resource_with(stream::Session& session, Jid bare,
                                                     std::string feature, FindOptions options,
                                                     bool already_present = false);

}  // namespace xmpp::disco
