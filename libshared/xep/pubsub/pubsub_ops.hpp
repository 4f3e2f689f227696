// XEP-0060 Publish-Subscribe (version 1.30.0) and PEP (XEP-0163 version 1.2.2) over a session, for
// `xmpp pubsub`: finding the pubsub service of a domain (§5.1), nodes and node meta-data (§5.2,
// §5.4), create and configure (§8.1, §8.2), delete and purge (§8.4, §8.5), publish (with
// publish-options, §7.1.5, and creating the node when missing), retract (§7.2), items across
// XEP-0059 pages (§6.5.4), subscribe/unsubscribe (§6.1, §6.2), subscription and affiliation
// listings (§5.6, §5.7, §8.8, §8.9), and a Listener that collects the events of one node from
// one service in order (§7.1.2, SECURITY.md row 38).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/router.hpp"
#include "stream/session.hpp"
#include "xep/disco/disco.hpp"
#include "xep/forms/answers.hpp"
#include "xep/pubsub/events.hpp"
#include "xep/pubsub/pubsub.hpp"

namespace xmpp::pubsub {

// Errors of every operation below: a stanza error from the service is kind remote, code
// "stanza_error" (or "precondition_not_met", see describe_error), the condition kept, with a
// message a person understands and the node named, e.g. "node ci at pubsub.example.org: the
// node does not exist (item-not-found)". No answer within `timeout`: kind temporary "timeout"
// (each request has the whole `timeout`). A malformed result: kind protocol. A failed session:
// its error. `service` nullopt is our own PEP service (XEP-0163).

/// The pubsub service for `domain` (issue 7: "a bare domain is resolved to its pubsub component"):
/// `domain` itself when its disco#info has the identity pubsub/service, else the first of its
/// disco#items whose disco#info has it (items that do not answer are skipped). Errors: the
/// domain's own disco#info failing; kind remote, code "no_pubsub_service", when none is found.
awaitable<Result<Jid>> find_service(stream::Session& session, Jid domain,
                                    std::chrono::milliseconds timeout);

/// The nodes of `service` (§5.2; the children of `parent` in a collection, §5.2.2): disco#items,
/// every page (disco::items_all).
awaitable<Result<disco::DiscoItems>> nodes(stream::Session& session, Service service,
                                           std::optional<std::string> parent,
                                           std::chrono::milliseconds timeout);

/// The node's disco#info with its meta-data form (§5.4).
awaitable<Result<NodeInfo>> node_info(stream::Session& session, Service service, std::string node,
                                      std::chrono::milliseconds timeout);

/// The submit form for a new node's configuration (§8.1.3) from VAR=VALUE answers: FORM_TYPE
/// node_config and one field per answer (forms::make_submit). nullopt for no answers.
Result<std::optional<forms::Form>> node_config_submit(const forms::Answers& answers);
/// The publish-options form (§7.1.5) from VAR=VALUE answers; nullopt for no answers.
Result<std::optional<forms::Form>> publish_options_submit(const forms::Answers& answers);

/// Creates `node` (nullopt: an instant node, §8.1.2) configured with `config` (empty: the
/// service's defaults; else one request with <configure/>, §8.1.3) and returns the node's name.
/// Errors: a value XML cannot carry (data, nothing sent); conflict = "a node with this name
/// already exists".
awaitable<Result<std::string>> create(stream::Session& session, Service service,
                                      std::optional<std::string> node, forms::Answers config,
                                      std::chrono::milliseconds timeout);

/// The service's default node configuration form (§8.3, `<default/>` in the owner namespace):
/// the fields a new node's configuration may set, for checking --set answers before a create.
/// Errors: as configuration(); kind protocol "bad_reply" when the result has no form.
awaitable<Result<forms::Form>> default_configuration(stream::Session& session, Service service,
                                                     std::chrono::milliseconds timeout);

/// The node's configuration form (§8.2.1), with its current values.
awaitable<Result<forms::Form>> configuration(stream::Session& session, Service service,
                                             std::string node, std::chrono::milliseconds timeout);

/// Changes the node's configuration (§8.2.4): reads the form, fills it with `answers`
/// (forms::fill, Carry::answered: only what changes, hidden and required fields) and submits it.
/// Returns the submitted form. Errors: answers that do not fit the form (forms::to_error, kind
/// data, nothing submitted); empty `answers` is usage.
awaitable<Result<forms::Form>> configure(stream::Session& session, Service service,
                                         std::string node, forms::Answers answers,
                                         std::chrono::milliseconds timeout);

/// Deletes the node (§8.4), with a redirect URI for subscribers when given.
awaitable<Result<void>> delete_node(stream::Session& session, Service service, std::string node,
                                    std::optional<std::string> redirect_uri,
                                    std::chrono::milliseconds timeout);

/// Removes every item of the node (§8.5).
awaitable<Result<void>> purge(stream::Session& session, Service service, std::string node,
                              std::chrono::milliseconds timeout);

/// Publishes one item (§7.1) and returns where it went, with the id the service assigned.
/// A conflict answering a request with publish-options is precondition-not-met (§7.1.5, code
/// "precondition_not_met").
awaitable<Result<Published>> publish(stream::Session& session, Service service,
                                     PublishRequest request, std::chrono::milliseconds timeout);

/// `--create-if-missing`. Without `config`: publishes; when the node does not exist
/// (item-not-found), creates it and publishes again. With `config`: creates the node with it
/// first (as create()), then publishes, so the configuration also applies on services that
/// auto-create on publish (§7.1.4), which never answer item-not-found; a create the service
/// refuses otherwise than with conflict still publishes, to an existing node. A conflict from
/// the create (the node exists, or someone created it meanwhile) is success, so running it
/// twice, or twice at once, is idempotent. `created` says whether this call created the node.
awaitable<Result<Published>> publish_or_create(stream::Session& session, Service service,
                                               PublishRequest request, forms::Answers config,
                                               std::chrono::milliseconds timeout);

/// Retracts one item (§7.2); `notify` asks the service to tell subscribers (§7.2.2.1).
awaitable<Result<void>> retract(stream::Session& session, Service service, std::string node,
                                std::string item_id, bool notify,
                                std::chrono::milliseconds timeout);

/// Items of a node, all pages merged.
struct Items {
  std::string node;
  std::vector<Item> items;
  std::size_t pages = 0;             ///< requests answered
  std::optional<std::size_t> count;  ///< the RSM <count/> of the last page that had one
  /// false when the read stopped before the service's set ended: `max_pages` was reached or the
  /// service repeated a page (it ignores <after/>).
  bool complete = true;
  std::size_t extra_payloads = 0;  ///< items that carried more than one element
};

/// Reads items (§6.5). With `request.item_ids` or `request.max_items`, one request (§6.5.7,
/// §6.5.8). Otherwise the first request is sent as it is; when the service pages on its own or
/// as `request.page` asked (§6.5.4: its result has an RSM <set/> with a <last/>), the next pages
/// are asked for (<after/> = the <last/>, <max/> = the first page's size or request.page->max)
/// until a page is empty, the <count/> is reached, the same <last/> comes twice (complete
/// false), or `max_pages` requests were made (complete false).
awaitable<Result<Items>> items(stream::Session& session, Service service, ItemsRequest request,
                               std::chrono::milliseconds timeout, std::size_t max_pages = 1000);

/// Subscribes `jid` (nullopt: our bare JID) to the node (§6.1). The result may be pending
/// (authorize access model) or unconfigured (options required): the caller decides.
awaitable<Result<Subscription>> subscribe(stream::Session& session, Service service,
                                          std::string node, std::optional<Jid> jid,
                                          std::chrono::milliseconds timeout);

/// Unsubscribes `jid` (nullopt: our bare JID) from the node (§6.2), naming `subid` when given.
awaitable<Result<void>> unsubscribe(stream::Session& session, Service service, std::string node,
                                    std::optional<Jid> jid, std::optional<std::string> subid,
                                    std::chrono::milliseconds timeout);

/// Our subscriptions (§5.6; at `node` only when given), or with `owner` a node's subscribers
/// (§8.8.1; `node` required, else usage).
awaitable<Result<std::vector<Subscription>>> subscriptions(stream::Session& session,
                                                           Service service,
                                                           std::optional<std::string> node,
                                                           bool owner,
                                                           std::chrono::milliseconds timeout);

/// Our affiliations (§5.7; at `node` only when given), or with `owner` a node's affiliated
/// entities (§8.9.1; `node` required, else usage).
awaitable<Result<std::vector<AffiliationEntry>>> affiliations(stream::Session& session,
                                                              Service service,
                                                              std::optional<std::string> node,
                                                              bool owner,
                                                              std::chrono::milliseconds timeout);

/// Changes affiliations at the node in one request (§8.9.2; Prosody 0.12 applies them in order
/// and stops at the first it refuses). An empty list is usage.
awaitable<Result<void>> set_affiliations(stream::Session& session, Service service,
                                         std::string node, std::vector<AffiliationChange> changes,
                                         std::chrono::milliseconds timeout);

/// Collects the events of one node of one service, in the order the stream delivers them, from
/// the moment it is constructed (a router handler; nothing is lost between construction and the
/// first next()). Events from anyone but the service (is_from_service: SECURITY.md row 38) or for
/// another node are not collected, only counted. Move-only; destroying it stops collecting.
class Listener {
 public:
  Listener(stream::Session& session, Service service, std::string node);

  /// The next event, waiting up to `timeout` (kind temporary "timeout"). Errors: the session's
  /// failure; a malformed event from the service (kind protocol "bad_event": the event is
  /// dropped, the next call goes on).
  awaitable<Result<Event>> next(std::chrono::milliseconds timeout);

  const Service& service() const { return m_service; }
  const std::string& node() const { return m_node; }
  std::size_t pending() const;  ///< events collected and not yet returned
  std::size_t ignored() const;  ///< event messages from others or for other nodes

  /// Set by listen(): the subscription this listener made, to be cancelled by stop().
  std::optional<Subscription> made;

 private:
  struct State;
  stream::Session* m_session;
  Service m_service;
  std::string m_node;
  std::shared_ptr<State> m_state;
  stream::Subscription m_handler;
};

/// `xmpp pubsub listen`: starts a Listener, then subscribes `jid` (nullopt: our FULL JID, so
/// notifications reach this session without our sending presence, RFC 6121 §8.5.2) unless our
/// subscriptions at the node (§5.6) already list exactly that JID as subscribed; a subscription
/// made here is in Listener::made. A subscriptions listing the service refuses is not fatal (we
/// then subscribe). Errors: those of subscribe().
awaitable<Result<Listener>> listen(stream::Session& session, Service service, std::string node,
                                   std::optional<Jid> jid, std::chrono::milliseconds timeout);

/// Cancels the subscription listen() made (nothing when it made none).
awaitable<Result<void>> stop(stream::Session& session, Listener& listener,
                             std::chrono::milliseconds timeout);

}  // namespace xmpp::pubsub
