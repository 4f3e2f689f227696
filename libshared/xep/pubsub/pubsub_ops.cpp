#include "xep/pubsub/pubsub_ops.hpp"

#include <set>
#include <utility>

#include "core/deadline.hpp"
#include "stanza/iq.hpp"
#include "xep/disco/disco_ops.hpp"

namespace xmpp::pubsub {
namespace {

std::string service_name(const Service& service) {
  return service ? service->str() : std::string("our PEP service");
}

/// Sends `iq` and rewords a stanza error for `op`, with `context` in front.
awaitable<Result<xml::Element>> ask(stream::Session& session, xml::Element iq, Operation op,
                                    std::string context, std::chrono::milliseconds timeout,
                                    bool with_options = false) {
  auto reply = co_await session.request(std::move(iq), timeout);
  if (!reply)
    co_return fail(
        describe_error(reply.error(), op, std::nullopt, with_options).with_context(context));
  co_return std::move(*reply);
}

awaitable<Result<void>> ask_void(stream::Session& session, xml::Element iq, Operation op,
                                 std::string context, std::chrono::milliseconds timeout) {
  auto reply = co_await ask(session, std::move(iq), op, std::move(context), timeout);
  if (!reply) co_return fail(reply.error());
  co_return Result<void>{};
}

Result<std::optional<forms::Form>> submit_form(std::string_view form_type,
                                               const forms::Answers& answers) {
  if (answers.empty()) return std::optional<forms::Form>();
  auto form = forms::make_submit(std::string(form_type), answers);
  if (!form) return fail(form.error());
  return std::optional<forms::Form>(std::move(*form));
}

/// `<iq type='get'><pubsub xmlns='...#owner'><default/></pubsub></iq>` (§8.3.1).
xml::Element make_default_get(const Service& service) {
  xml::Element pubsub("pubsub", std::string(k_ns_owner));
  pubsub.add_child(xml::Element("default", std::string(k_ns_owner)));
  return stanza::make_iq(stanza::IqType::get, service ? service->str() : std::string(),
                         std::move(pubsub), {});
}

Jid own_bare(stream::Session& session) {
  return session.jid().bare();
}

}  // namespace

// ---- discovery ----

awaitable<Result<Jid>> find_service(stream::Session& session, Jid domain,
                                    std::chrono::milliseconds timeout) {
  auto info = co_await disco::info(session, domain, std::nullopt, timeout);
  if (!info) co_return fail(info.error());
  // §5.1: a pubsub service has the identity pubsub/service.
  if (info->has_identity("pubsub", "service")) co_return domain;
  auto children = co_await disco::items(session, domain, std::nullopt, timeout);
  if (!children) co_return fail(children.error());
  for (const auto& item : children->items) {
    if (item.node) continue;  // a node of the domain, not a component
    auto child = co_await disco::info(session, item.jid, std::nullopt, timeout);
    // A component that does not answer is not the one we look for.
    if (child && child->has_identity("pubsub", "service")) co_return item.jid;
  }
  co_return fail(ErrorKind::remote, "no_pubsub_service", "",
                 domain.str() + " has no publish-subscribe service (XEP-0060 §5.1: no "
                                "pubsub/service identity on it or its items)");
}

awaitable<Result<disco::DiscoItems>> nodes(stream::Session& session, Service service,
                                           std::optional<std::string> parent,
                                           std::chrono::milliseconds timeout) {
  const Jid target = service ? *service : own_bare(session);
  co_return co_await disco::items_all(session, target, std::move(parent), timeout);
}

awaitable<Result<NodeInfo>> node_info(stream::Session& session, Service service, std::string node,
                                      std::chrono::milliseconds timeout) {
  const Jid target = service ? *service : own_bare(session);
  const std::string what = describe_node(service, node);
  auto reply = co_await ask(session, disco::make_info_request(target, node), Operation::node_info,
                            what, timeout);
  if (!reply) co_return fail(reply.error());
  auto info = parse_node_info(*reply);
  if (!info) co_return fail(info.error().with_context(what));
  co_return std::move(*info);
}

// ---- node life cycle ----

Result<std::optional<forms::Form>> node_config_submit(const forms::Answers& answers) {
  return submit_form(k_form_node_config, answers);
}

Result<std::optional<forms::Form>> publish_options_submit(const forms::Answers& answers) {
  return submit_form(k_form_publish_options, answers);
}

awaitable<Result<std::string>> create(stream::Session& session, Service service,
                                      std::optional<std::string> node, forms::Answers config,
                                      std::chrono::milliseconds timeout) {
  const std::string what =
      node ? describe_node(service, *node) : "instant node at " + service_name(service);
  auto form = node_config_submit(config);
  if (!form) co_return fail(form.error().with_context(what));
  auto reply = co_await ask(session, make_create(service, node, std::move(*form)),
                            Operation::create, what, timeout);
  if (!reply) co_return fail(reply.error());
  auto name = parse_create_result(*reply, node);
  if (!name) co_return fail(name.error().with_context(what));
  co_return std::move(*name);
}

awaitable<Result<forms::Form>> default_configuration(stream::Session& session, Service service,
                                                     std::chrono::milliseconds timeout) {
  const std::string what = "the default node configuration of " + service_name(service);
  // §8.3.2: the result carries the form in the same <default/>.
  auto reply = co_await ask(session, make_default_get(service), Operation::configure_get, what,
                            timeout);
  if (!reply) co_return fail(reply.error());
  const auto* pubsub = reply->child("pubsub", k_ns_owner);
  const auto* def = pubsub ? pubsub->child("default", k_ns_owner) : nullptr;
  const auto* x = def ? forms::find(*def) : nullptr;
  if (x == nullptr)
    co_return fail(make_error(ErrorKind::protocol, "bad_reply", "",
                              "the default configuration result has no data form")
                       .with_context(what));
  auto form = forms::parse(*x);
  if (!form) co_return fail(form.error().with_context(what));
  co_return std::move(*form);
}

awaitable<Result<forms::Form>> configuration(stream::Session& session, Service service,
                                             std::string node, std::chrono::milliseconds timeout) {
  const std::string what = describe_node(service, node);
  auto reply = co_await ask(session, make_configure_get(service, node), Operation::configure_get,
                            what, timeout);
  if (!reply) co_return fail(reply.error());
  auto form = parse_configure_result(*reply);
  if (!form) co_return fail(form.error().with_context(what));
  co_return std::move(*form);
}

awaitable<Result<forms::Form>> configure(stream::Session& session, Service service,
                                         std::string node, forms::Answers answers,
                                         std::chrono::milliseconds timeout) {
  const std::string what = describe_node(service, node);
  if (answers.empty())
    co_return fail(make_error(ErrorKind::usage, "no_changes", "", "nothing to change")
                       .with_context(what));
  auto form = co_await configuration(session, service, node, timeout);
  if (!form) co_return fail(form.error());
  forms::SubmitOptions options;
  // §8.2.4: only what changes; the service keeps the other values (XEP-0004 §3.5).
  options.carry = forms::Carry::answered;
  auto submit = forms::fill(*form, answers, options);
  if (!submit) co_return fail(forms::to_error(submit.error()).with_context(what));
  auto done = co_await ask_void(session, make_configure_set(service, node, *submit),
                                Operation::configure_set, what, timeout);
  if (!done) co_return fail(done.error());
  co_return std::move(*submit);
}

awaitable<Result<void>> delete_node(stream::Session& session, Service service, std::string node,
                                    std::optional<std::string> redirect_uri,
                                    std::chrono::milliseconds timeout) {
  const std::string what = describe_node(service, node);
  co_return co_await ask_void(session, make_delete(service, node, std::move(redirect_uri)),
                              Operation::delete_node, what, timeout);
}

awaitable<Result<void>> purge(stream::Session& session, Service service, std::string node,
                              std::chrono::milliseconds timeout) {
  const std::string what = describe_node(service, node);
  co_return co_await ask_void(session, make_purge(service, node), Operation::purge, what,
                              timeout);
}

// ---- publishing ----

awaitable<Result<Published>> publish(stream::Session& session, Service service,
                                     PublishRequest request, std::chrono::milliseconds timeout) {
  const std::string what = describe_node(service, request.node);
  auto reply = co_await ask(session, make_publish(service, request), Operation::publish, what,
                            timeout, request.options.has_value());
  if (!reply) co_return fail(reply.error());
  co_return parse_publish_result(*reply, request);
}

awaitable<Result<Published>> publish_or_create(stream::Session& session, Service service,
                                               PublishRequest request, forms::Answers config,
                                               std::chrono::milliseconds timeout) {
  // Checked before anything is sent: a bad configuration must not leave an item published.
  if (auto form = node_config_submit(config); !form)
    co_return fail(form.error().with_context(describe_node(service, request.node)));
  if (!config.empty()) {
    // With a configuration, create first: a service that auto-creates nodes on publish
    // (§7.1.4, ejabberd) never answers item-not-found, and publishing first would leave the
    // node with its default configuration. A conflict means the node is already there.
    auto made = co_await create(session, service, request.node, std::move(config), timeout);
    if (!made && made.error().condition != "conflict") {
      // Not allowed to create (forbidden, ...): still fine if the node exists.
      auto published = co_await publish(session, service, std::move(request), timeout);
      if (!published && published.error().condition == "item-not-found")
        co_return fail(made.error());
      co_return published;
    }
    auto published = co_await publish(session, service, std::move(request), timeout);
    if (published) published->created = made.has_value();
    co_return published;
  }
  auto first = co_await publish(session, service, request, timeout);
  if (first || first.error().condition != "item-not-found") co_return first;
  bool created = true;
  auto made = co_await create(session, service, request.node, {}, timeout);
  if (!made) {
    // Someone else created it between our publish and our create: the node is there.
    if (made.error().condition != "conflict") co_return fail(made.error());
    created = false;
  }
  auto second = co_await publish(session, service, std::move(request), timeout);
  if (second) second->created = created;
  co_return second;
}

awaitable<Result<void>> retract(stream::Session& session, Service service, std::string node,
                                std::string item_id, bool notify,
                                std::chrono::milliseconds timeout) {
  const std::string what = describe_node(service, node) + " item " + item_id;
  co_return co_await ask_void(session, make_retract(service, node, item_id, notify),
                              Operation::retract, what, timeout);
}

// ---- items ----

awaitable<Result<Items>> items(stream::Session& session, Service service, ItemsRequest request,
                               std::chrono::milliseconds timeout, std::size_t max_pages) {
  const std::string what = describe_node(service, request.node);
  // §6.5.7, §6.5.8: asking for the newest N or for ids is one answer, not a set to walk.
  const bool single = request.max_items || !request.item_ids.empty();
  Items out;
  out.node = request.node;
  std::set<std::string> seen;
  std::optional<std::size_t> page_size = request.page ? request.page->max : std::nullopt;
  while (true) {
    const std::string context =
        out.pages == 0 ? what : what + " (page " + std::to_string(out.pages + 1) + ")";
    auto reply = co_await ask(session, make_items(service, request), Operation::items, context,
                              timeout);
    if (!reply) co_return fail(reply.error());
    auto page = parse_items_result(*reply);
    if (!page) co_return fail(page.error().with_context(context));
    ++out.pages;
    out.extra_payloads += page->extra_payloads;
    const std::size_t got = page->items.size();
    for (auto& item : page->items)
      out.items.push_back(std::move(item));
    if (single || !page->page || !page->page->last || got == 0) break;
    if (page->page->count) {
      out.count = page->page->count;
      if (out.items.size() >= *page->page->count) break;
    }
    // XEP-0059 §2.2: a service that ignores <after/> sends the same page again.
    if (!seen.insert(*page->page->last).second) {
      out.complete = false;
      break;
    }
    if (out.pages >= max_pages) {
      out.complete = false;
      break;
    }
    if (!page_size) page_size = got;
    request.page = rsm::Request{page_size, page->page->last, std::nullopt, std::nullopt};
  }
  co_return out;
}

// ---- subscriptions ----

awaitable<Result<Subscription>> subscribe(stream::Session& session, Service service,
                                          std::string node, std::optional<Jid> jid,
                                          std::chrono::milliseconds timeout) {
  const Jid who = jid ? *jid : own_bare(session);
  const std::string what = describe_node(service, node);
  auto reply = co_await ask(session, make_subscribe(service, node, who), Operation::subscribe,
                            what, timeout);
  if (!reply) co_return fail(reply.error());
  auto sub = parse_subscribe_result(*reply, node, who);
  if (!sub) co_return fail(sub.error().with_context(what));
  co_return std::move(*sub);
}

awaitable<Result<void>> unsubscribe(stream::Session& session, Service service, std::string node,
                                    std::optional<Jid> jid, std::optional<std::string> subid,
                                    std::chrono::milliseconds timeout) {
  const Jid who = jid ? *jid : own_bare(session);
  const std::string what = describe_node(service, node);
  co_return co_await ask_void(session, make_unsubscribe(service, node, who, std::move(subid)),
                              Operation::unsubscribe, what, timeout);
}

awaitable<Result<std::vector<Subscription>>> subscriptions(stream::Session& session,
                                                           Service service,
                                                           std::optional<std::string> node,
                                                           bool owner,
                                                           std::chrono::milliseconds timeout) {
  const std::string what = node ? describe_node(service, *node) : service_name(service);
  if (owner && !node)
    co_return fail(ErrorKind::usage, "node_required", "",
                   "the subscribers of a node are listed per node (XEP-0060 §8.8.1): name one");
  auto reply = co_await ask(session, make_subscriptions(service, node, owner),
                            Operation::subscriptions, what, timeout);
  if (!reply) co_return fail(reply.error());
  auto list = parse_subscriptions_result(*reply);
  if (!list) co_return fail(list.error().with_context(what));
  co_return std::move(*list);
}

awaitable<Result<std::vector<AffiliationEntry>>> affiliations(stream::Session& session,
                                                              Service service,
                                                              std::optional<std::string> node,
                                                              bool owner,
                                                              std::chrono::milliseconds timeout) {
  const std::string what = node ? describe_node(service, *node) : service_name(service);
  if (owner && !node)
    co_return fail(ErrorKind::usage, "node_required", "",
                   "the affiliations of a node are listed per node (XEP-0060 §8.9.1): name one");
  auto reply = co_await ask(session, make_affiliations(service, node, owner),
                            Operation::affiliations, what, timeout);
  if (!reply) co_return fail(reply.error());
  auto list = parse_affiliations_result(*reply);
  if (!list) co_return fail(list.error().with_context(what));
  co_return std::move(*list);
}

awaitable<Result<void>> set_affiliations(stream::Session& session, Service service,
                                         std::string node, std::vector<AffiliationChange> changes,
                                         std::chrono::milliseconds timeout) {
  const std::string what = describe_node(service, node);
  if (changes.empty())
    co_return fail(ErrorKind::usage, "no_changes", "", what + ": no affiliation to set");
  co_return co_await ask_void(session, make_affiliations_set(service, node, changes),
                              Operation::affiliations_set, what, timeout);
}

// ---- listening ----

struct Listener::State {
  std::deque<Result<Event>> queue;
  std::size_t ignored = 0;
};

Listener::Listener(stream::Session& session, Service service, std::string node)
    : m_session(&session),
      m_service(std::move(service)),
      m_node(std::move(node)),
      m_state(std::make_shared<State>()) {
  const Jid own = session.jid();
  m_handler = session.router().on(
      stream::StanzaMatch{"message", std::string(k_ns_event), ""},
      [state = m_state, service = m_service, node = m_node, own](const xml::Element& message) {
        // SECURITY.md row 38 (CVE-2023-28686): only the service we subscribed to speaks for it.
        if (!is_from_service(message, service, own)) {
          ++state->ignored;
          return;
        }
        auto events = parse_event(message);
        if (!events) {
          state->queue.push_back(fail(events.error().with_context(describe_node(service, node))));
          return;
        }
        bool ours = false;
        for (auto& event : *events) {
          if (event.node != node) continue;
          ours = true;
          state->queue.push_back(std::move(event));
        }
        if (!ours) ++state->ignored;
      });
}

std::size_t Listener::pending() const {
  return m_state->queue.size();
}

std::size_t Listener::ignored() const {
  return m_state->ignored;
}

awaitable<Result<Event>> Listener::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // The handler queues in stream order; wait_for only wakes us (the router dispatches a stanza
  // before waiters see it, so it is queued by the time we resume).
  auto state = m_state;
  while (state->queue.empty()) {
    if (auto failure = m_session->failure()) co_return fail(*failure);
    if (std::chrono::steady_clock::now() >= deadline)
      co_return fail(ErrorKind::temporary, "timeout", "",
                     describe_node(m_service, m_node) + ": no event within the time allowed");
    auto woke = co_await m_session->wait_for(
        [](const xml::Element& stanza) { return is_event(stanza); }, time_left(deadline));
    if (!woke && state->queue.empty()) {
      if (woke.error().code == "timeout")
        co_return fail(woke.error().with_context(describe_node(m_service, m_node)));
      co_return fail(woke.error());
    }
  }
  auto event = std::move(state->queue.front());
  state->queue.pop_front();
  co_return event;
}

awaitable<Result<Listener>> listen(stream::Session& session, Service service, std::string node,
                                   std::optional<Jid> jid, std::chrono::milliseconds timeout) {
  // Collecting starts before the subscribe is sent: the first notification may follow its result
  // at once (§6.1.7 last published item).
  Listener listener(session, service, node);
  const Jid who = jid ? *jid : session.jid();
  auto current = co_await subscriptions(session, service, node, false, timeout);
  if (current) {
    for (const auto& sub : *current)
      if (sub.jid == who && (sub.node.empty() || sub.node == node) &&
          sub.state == SubState::subscribed)
        co_return std::move(listener);
  } else if (current.error().kind != ErrorKind::remote) {
    co_return fail(current.error());
  }
  auto made = co_await subscribe(session, service, node, who, timeout);
  if (!made) co_return fail(made.error());
  listener.made = std::move(*made);
  co_return std::move(listener);
}

awaitable<Result<void>> stop(stream::Session& session, Listener& listener,
                             std::chrono::milliseconds timeout) {
  if (!listener.made) co_return Result<void>{};
  auto sub = std::move(*listener.made);
  listener.made.reset();
  co_return co_await unsubscribe(session, listener.service(), listener.node(), sub.jid, sub.subid,
                                 timeout);
}

}  // namespace xmpp::pubsub
