// XEP-0060 Publish-Subscribe codecs against the spec's numbered examples (tests/fixtures/xep0060-*):
// requests built equal to examples 16, 20, 22, 26, 28, 47, 74, 78, 80, 96, 97, 114, 115, 125, 131,
// 137, 139, 146, 147, 157, 158, 163, 184, 197, 202, 208; results read from examples 14, 17, 18,
// 21, 23, 24, 27, 29, 42, 43, 75, 76, 79, 81, 82, 98, 99, 116, 132, 138, 140, 185, 198; the
// pubsub error conditions of examples 30, 41, 49, 50, 105, 107, 108, 110, 129, 149 and what
// describe_error makes of them.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "stanza/error.hpp"
#include "xep/forms/answers.hpp"
#include "xep/pubsub/node_config.hpp"
#include "xep/pubsub/pubsub.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;
using test::jid;
using test::with_from;

namespace {

const pubsub::Service k_service = Jid::parse("pubsub.shakespeare.lit").value();

std::string pubsub_example(int number, const char* slug) {
  return "xep0060-ex" + std::to_string(number) + "-" + slug + ".xml";
}

/// The built request equals the example once 'from' (the server's business) is copied over.
void check_request(const xml::Element& built, const xml::Element& ex) {
  CHECK(canonical(with_from(built, ex)) == canonical(ex));
}

/// The example's <pubsub/> <item/> payload (the Atom entry).
xml::Element payload_of(const xml::Element& iq) {
  const auto* pubsub = iq.child("pubsub", pubsub::k_ns);
  REQUIRE(pubsub != nullptr);
  const auto* publish = pubsub->child("publish", pubsub::k_ns);
  REQUIRE(publish != nullptr);
  const auto* item = publish->child("item", pubsub::k_ns);
  REQUIRE(item != nullptr);
  const auto payload = pubsub::parse_item(*item).payload;
  REQUIRE(payload.has_value());
  return *payload;
}

/// What Session::request makes of an error reply.
Error as_request_error(const xml::Element& error_iq) {
  return stanza::to_error(error_iq, "");
}

}  // namespace

TEST_CASE("XEP-0060 §8.1 create: examples 125 (named), 131 (instant), 137 (configured)") {
  auto ex = example(pubsub_example(125, "create"));
  check_request(pubsub::make_create(k_service, "princely_musings", std::nullopt, "create1"), ex);
  ex = example(pubsub_example(131, "create-instant"));
  check_request(pubsub::make_create(k_service, std::nullopt, std::nullopt, "create2"), ex);

  // Example 137: the node_config form from VAR=VALUE answers (forms::make_submit).
  ex = example(pubsub_example(137, "create-configured"));
  forms::Answers answers;
  for (const auto* field : ex.child("pubsub", pubsub::k_ns)
                               ->child("configure", pubsub::k_ns)
                               ->child("x", forms::k_ns)
                               ->children("field", forms::k_ns)) {
    if (field->attr("var") == "FORM_TYPE") continue;
    answers.push_back({*field->attr("var"), {*field->child_text("value", forms::k_ns)}});
  }
  REQUIRE(answers.size() == 19);
  auto form = forms::make_submit(std::string(pubsub::k_form_node_config), answers);
  REQUIRE(form);
  check_request(pubsub::make_create(k_service, "princely_musings", *form, "create1"), ex);
}

TEST_CASE("XEP-0060 §8.1 create results: example 132 names the instant node, 138 is empty") {
  CHECK(pubsub::parse_create_result(example(pubsub_example(132, "create-instant-result")), std::nullopt) ==
        "25e3d37dabbab9541f7523321421edc5bfeb2dae");
  CHECK(pubsub::parse_create_result(example(pubsub_example(138, "create-result")), "princely_musings") ==
        "princely_musings");
  const auto nameless =
      pubsub::parse_create_result(example(pubsub_example(138, "create-result")), std::nullopt);
  REQUIRE_FALSE(nameless);
  CHECK(nameless.error().kind == ErrorKind::protocol);
}

TEST_CASE("XEP-0060 §8.2 configure: examples 139 (get), 140 (form), 146 (submit), 147 (cancel)") {
  check_request(pubsub::make_configure_get(k_service, "princely_musings", "config1"),
                example(pubsub_example(139, "configure-request")));

  const auto form = pubsub::parse_configure_result(example(pubsub_example(140, "configure-form")));
  REQUIRE_MESSAGE(form, (form ? "" : form.error().message));
  CHECK(form->type == forms::FormType::form);
  CHECK(form->form_type() == std::string(pubsub::k_form_node_config));
  const auto* access = form->field("pubsub#access_model");
  REQUIRE(access != nullptr);
  CHECK(access->options.size() == 5);
  CHECK(access->values == std::vector<std::string>{"open"});

  // Example 146 read back through forms::parse and submitted as it is.
  const auto submit_ex = example(pubsub_example(146, "configure-submit"));
  const auto* x = submit_ex.child("pubsub", pubsub::k_ns_owner)
                      ->child("configure", pubsub::k_ns_owner)
                      ->child("x", forms::k_ns);
  REQUIRE(x != nullptr);
  const auto submit = forms::parse(*x);
  REQUIRE(submit);
  check_request(pubsub::make_configure_set(k_service, "princely_musings", *submit, "config2"),
                submit_ex);
  check_request(
      pubsub::make_configure_set(k_service, "princely_musings", forms::cancel_form(), "config2"),
      example(pubsub_example(147, "configure-cancel")));

  // A result without a form is the service breaking §8.2.2.
  const auto empty = pubsub::parse_configure_result(example(pubsub_example(138, "create-result")));
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == "bad_reply");
}

TEST_CASE("XEP-0060 §8.4, §8.5 delete and purge: examples 157, 158, 163") {
  check_request(pubsub::make_delete(k_service, "princely_musings", std::nullopt, "delete1"),
                example(pubsub_example(157, "delete")));
  check_request(pubsub::make_delete(k_service, "princely_musings",
                                    "xmpp:hamlet@denmark.lit?;node=blog", "delete1"),
                example(pubsub_example(158, "delete-redirect")));
  check_request(pubsub::make_purge(k_service, "princely_musings", "purge1"),
                example(pubsub_example(163, "purge")));
}

TEST_CASE("XEP-0060 §7.1 publish: examples 96 (with id), 97 (without), 114 (publish-options)") {
  auto ex = example(pubsub_example(96, "publish-with-id"));
  pubsub::PublishRequest request{"princely_musings", "bnd81g37d61f49fgn581", payload_of(ex),
                                 std::nullopt};
  check_request(pubsub::make_publish(k_service, request, "publish1"), ex);

  ex = example(pubsub_example(97, "publish-without-id"));
  request = {"princely_musings", std::nullopt, payload_of(ex), std::nullopt};
  check_request(pubsub::make_publish(k_service, request, "publish2"), ex);

  ex = example(pubsub_example(114, "publish-options"));
  auto options = forms::make_submit(std::string(pubsub::k_form_publish_options),
                                    {{"pubsub#access_model", {"presence"}}});
  REQUIRE(options);
  request = {"princely_musings", "ae890ac52d0df67ed7cfdf51b644e901", payload_of(ex), *options};
  check_request(pubsub::make_publish(k_service, request, "pub1"), ex);
}

TEST_CASE("XEP-0060 §7.1.2 publish results: example 98 keeps our id, 99 gives the service's") {
  const pubsub::PublishRequest ours{"princely_musings", "bnd81g37d61f49fgn581", std::nullopt,
                                    std::nullopt};
  CHECK(pubsub::parse_publish_result(example(pubsub_example(98, "publish-result")), ours) ==
        pubsub::Published{"princely_musings", "bnd81g37d61f49fgn581", false});
  const pubsub::PublishRequest theirs{"princely_musings", std::nullopt, std::nullopt,
                                      std::nullopt};
  CHECK(pubsub::parse_publish_result(example(pubsub_example(99, "publish-result-id")), theirs) ==
        pubsub::Published{"princely_musings", "ae890ac52d0df67ed7cfdf51b644e901", false});
  // An empty result (example 116's shape) answers with what we asked.
  CHECK(pubsub::parse_publish_result(example(pubsub_example(116, "retract-result")), ours).item_id ==
        "bnd81g37d61f49fgn581");
}

TEST_CASE("XEP-0060 §7.2 retract: example 115; notify='true' when asked (§7.2.2.1)") {
  check_request(
      pubsub::make_retract(k_service, "princely_musings", "ae890ac52d0df67ed7cfdf51b644e901",
                           false, "retract1"),
      example(pubsub_example(115, "retract")));
  const auto notify = pubsub::make_retract(k_service, "n", "i1", true);
  const auto* retract = notify.child("pubsub", pubsub::k_ns)->child("retract", pubsub::k_ns);
  REQUIRE(retract != nullptr);
  CHECK(retract->attr("notify") == "true");
  CHECK(retract->children("item", pubsub::k_ns).size() == 1);
}

TEST_CASE("XEP-0060 §6.5 items requests: examples 74 (all), 78 (by id), 80 (max_items); RSM") {
  check_request(pubsub::make_items(k_service, {"princely_musings", std::nullopt, {}, std::nullopt,
                                               std::nullopt},
                                   "items1"),
                example(pubsub_example(74, "items-request")));
  check_request(
      pubsub::make_items(k_service,
                         {"princely_musings",
                          std::nullopt,
                          {"368866411b877c30064a5f62b917cffe", "4e30f35051b7b8b42abe083742187228"},
                          std::nullopt,
                          std::nullopt},
                         "items3"),
      example(pubsub_example(78, "items-by-id-request")));
  check_request(pubsub::make_items(k_service,
                                   {"princely_musings", 2, {}, std::nullopt, std::nullopt},
                                   "items2"),
                example(pubsub_example(80, "items-max-request")));
  // §6.5.4: the <set/> is <pubsub/>'s child, after <items/>.
  const auto paged = pubsub::make_items(
      k_service, {"n", std::nullopt, {}, rsm::Request{10, "last-id", std::nullopt, std::nullopt},
                  std::nullopt});
  const auto children = paged.child("pubsub", pubsub::k_ns)->elements();
  REQUIRE(children.size() == 2);
  CHECK(children[0]->is("items", pubsub::k_ns));
  CHECK(children[1]->is("set", rsm::k_ns));
  CHECK(children[1]->child_text("after", rsm::k_ns) == "last-id");
}

TEST_CASE("XEP-0060 §6.5 items results: examples 75, 76 (RSM), 79, 81, 82 (none)") {
  auto all = pubsub::parse_items_result(example(pubsub_example(75, "items-result")));
  REQUIRE(all);
  CHECK(all->node == "princely_musings");
  REQUIRE(all->items.size() == 4);
  CHECK(all->items[0].id == "368866411b877c30064a5f62b917cffe");
  CHECK(all->items[3].id == "ae890ac52d0df67ed7cfdf51b644e901");
  REQUIRE(all->items[3].payload.has_value());
  CHECK(all->items[3].payload->is("entry", "http://www.w3.org/2005/Atom"));
  CHECK(all->items[3].payload->child_text("title", "http://www.w3.org/2005/Atom") == "Soliloquy");
  CHECK_FALSE(all->page.has_value());

  auto paged = pubsub::parse_items_result(example(pubsub_example(76, "items-rsm-result")));
  REQUIRE(paged);
  CHECK(paged->items.size() == 3);
  REQUIRE(paged->page.has_value());
  CHECK(paged->page->count == 19u);
  CHECK(paged->page->first == "368866411b877c30064a5f62b917cffe");
  CHECK(paged->page->last == "4e30f35051b7b8b42abe083742187228");

  auto by_id = pubsub::parse_items_result(example(pubsub_example(79, "items-by-id-result")));
  REQUIRE(by_id);
  CHECK(by_id->items.size() == 2);
  auto newest = pubsub::parse_items_result(example(pubsub_example(81, "items-max-result")));
  REQUIRE(newest);
  CHECK(newest->items.size() == 2);
  CHECK(newest->items[1].id == "ae890ac52d0df67ed7cfdf51b644e901");
  auto none = pubsub::parse_items_result(example(pubsub_example(82, "items-empty")));
  REQUIRE(none);
  CHECK(none->items.empty());

  const auto broken = pubsub::parse_items_result(example(pubsub_example(116, "retract-result")));
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == "bad_reply");
}

TEST_CASE("an item with two payload elements keeps the first and is counted (§7.1.1)") {
  auto iq = test::parse_stanza(
      "<iq type='result' id='i'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
      "<items node='n'><item id='a'><one xmlns='urn:x'/><two xmlns='urn:x'/></item>"
      "<item id='b' publisher='hamlet@denmark.lit'/></items></pubsub></iq>");
  const auto page = pubsub::parse_items_result(iq);
  REQUIRE(page);
  CHECK(page->extra_payloads == 1);
  REQUIRE(page->items[0].payload.has_value());
  CHECK(page->items[0].payload->name() == "one");
  CHECK_FALSE(page->items[1].payload.has_value());
  CHECK(page->items[1].publisher == "hamlet@denmark.lit");
}

TEST_CASE("XEP-0060 §6.1, §6.2 subscribe and unsubscribe: examples 28, 29, 42, 43, 47") {
  check_request(pubsub::make_subscribe(k_service, "princely_musings", jid("francisco@denmark.lit"),
                                       "sub1"),
                example(pubsub_example(28, "subscribe")));
  check_request(pubsub::make_unsubscribe(k_service, "princely_musings",
                                         jid("francisco@denmark.lit"), std::nullopt, "unsub1"),
                example(pubsub_example(47, "unsubscribe")));
  const auto who = jid("francisco@denmark.lit");
  auto ok = pubsub::parse_subscribe_result(example(pubsub_example(29, "subscribe-result")),
                                           "princely_musings", who);
  REQUIRE(ok);
  CHECK(ok->state == pubsub::SubState::subscribed);
  CHECK(ok->subid == "ba49252aaa4f5d320c24d3766f0bdcade78c78d3");
  CHECK(ok->jid == who);
  auto pending = pubsub::parse_subscribe_result(example(pubsub_example(42, "subscribe-pending")),
                                                "princely_musings", who);
  REQUIRE(pending);
  CHECK(pending->state == pubsub::SubState::pending);
  auto unconfigured = pubsub::parse_subscribe_result(example(pubsub_example(43, "subscribe-unconfigured")),
                                                     "princely_musings", who);
  REQUIRE(unconfigured);
  CHECK(unconfigured->state == pubsub::SubState::unconfigured);
  CHECK(unconfigured->options_required);
  // An empty result: subscribed as asked.
  auto empty = pubsub::parse_subscribe_result(example(pubsub_example(116, "retract-result")), "n", who);
  REQUIRE(empty);
  CHECK(empty->node == "n");
  CHECK(empty->state == pubsub::SubState::subscribed);
}

TEST_CASE("XEP-0060 §5.6, §8.8 subscription listings: examples 16-21, 184, 185") {
  check_request(pubsub::make_subscriptions(k_service, std::nullopt, false, "subscriptions1"),
                example(pubsub_example(16, "subscriptions-request")));
  check_request(pubsub::make_subscriptions(k_service, "princely_musings", false, "subscriptions2"),
                example(pubsub_example(20, "node-subscriptions-request")));
  check_request(pubsub::make_subscriptions(k_service, "princely_musings", true, "subman1"),
                example(pubsub_example(184, "owner-subscriptions-request")));

  auto all = pubsub::parse_subscriptions_result(example(pubsub_example(17, "subscriptions-result")));
  REQUIRE(all);
  REQUIRE(all->size() == 5);
  CHECK((*all)[2].node == "node5");
  CHECK((*all)[2].state == pubsub::SubState::unconfigured);
  CHECK((*all)[4].subid == "004-yyy");
  auto none = pubsub::parse_subscriptions_result(example(pubsub_example(18, "no-subscriptions")));
  REQUIRE(none);
  CHECK(none->empty());
  auto node6 = pubsub::parse_subscriptions_result(example(pubsub_example(21, "node-subscriptions-result")));
  REQUIRE(node6);
  CHECK(node6->size() == 2);
  // The owner listing names no node per entry: the listing's node is used.
  std::size_t skipped = 0;
  auto owner = pubsub::parse_subscriptions_result(
      example(pubsub_example(185, "owner-subscriptions-result")), &skipped);
  REQUIRE(owner);
  REQUIRE(owner->size() == 4);
  CHECK(skipped == 0);
  CHECK((*owner)[0].node == "princely_musings");
  CHECK((*owner)[1].jid == jid("polonius@denmark.lit"));
  CHECK((*owner)[1].state == pubsub::SubState::unconfigured);
}

TEST_CASE("XEP-0060 §5.7, §8.9 affiliations: examples 22-27, 197, 198, 202, 208") {
  check_request(pubsub::make_affiliations(k_service, std::nullopt, false, "affil1"),
                example(pubsub_example(22, "affiliations-request")));
  check_request(pubsub::make_affiliations(k_service, "node6", false, "affil2"),
                example(pubsub_example(26, "node-affiliations-request")));
  check_request(pubsub::make_affiliations(k_service, "princely_musings", true, "ent1"),
                example(pubsub_example(197, "owner-affiliations-request")));
  check_request(
      pubsub::make_affiliations_set(k_service, "princely_musings",
                                    {{jid("bard@shakespeare.lit"), pubsub::Affiliation::publisher}},
                                    "ent2"),
      example(pubsub_example(202, "owner-affiliation-set")));
  check_request(
      pubsub::make_affiliations_set(k_service, "princely_musings",
                                    {{jid("hamlet@denmark.lit"), pubsub::Affiliation::none},
                                     {jid("polonius@denmark.lit"), pubsub::Affiliation::none},
                                     {jid("bard@shakespeare.lit"), pubsub::Affiliation::publisher}},
                                    "ent3"),
      example(pubsub_example(208, "owner-affiliations-set-multiple")));

  auto ours = pubsub::parse_affiliations_result(example(pubsub_example(23, "affiliations-result")));
  REQUIRE(ours);
  REQUIRE(ours->size() == 4);
  CHECK((*ours)[1] == pubsub::AffiliationEntry{"node2", std::nullopt,
                                               pubsub::Affiliation::publisher});
  CHECK((*ours)[2].affiliation == pubsub::Affiliation::outcast);
  auto none = pubsub::parse_affiliations_result(example(pubsub_example(24, "no-affiliations")));
  REQUIRE(none);
  CHECK(none->empty());
  auto one = pubsub::parse_affiliations_result(example(pubsub_example(27, "node-affiliations-result")));
  REQUIRE(one);
  CHECK(one->size() == 1);
  auto owner = pubsub::parse_affiliations_result(example(pubsub_example(198, "owner-affiliations-result")));
  REQUIRE(owner);
  REQUIRE(owner->size() == 2);
  CHECK((*owner)[1] == pubsub::AffiliationEntry{"princely_musings", jid("polonius@denmark.lit"),
                                                pubsub::Affiliation::outcast});
}

TEST_CASE("affiliation names and JID=AFFILIATION (§4.1)") {
  for (const auto a : {pubsub::Affiliation::owner, pubsub::Affiliation::publisher,
                       pubsub::Affiliation::publish_only, pubsub::Affiliation::member,
                       pubsub::Affiliation::none, pubsub::Affiliation::outcast})
    CHECK(pubsub::parse_affiliation(pubsub::to_string(a)) == a);
  CHECK(pubsub::to_string(pubsub::Affiliation::publish_only) == "publish-only");
  CHECK_FALSE(pubsub::parse_affiliation("admin"));
  auto change = pubsub::parse_affiliation_change("Bard@Shakespeare.lit=publish-only");
  REQUIRE(change);
  CHECK(change->jid == jid("bard@shakespeare.lit"));
  CHECK(change->affiliation == pubsub::Affiliation::publish_only);
  for (const char* bad : {"bard@shakespeare.lit", "bard@shakespeare.lit=admin", "@=owner", "=owner"}) {
    CAPTURE(bad);
    const auto e = pubsub::parse_affiliation_change(bad);
    REQUIRE_FALSE(e);
    CHECK(e.error().kind == ErrorKind::usage);
    CHECK(e.error().code == "bad_affiliation");
  }
}

TEST_CASE("XEP-0060 §5.4 node meta-data: example 14") {
  const auto info = pubsub::parse_node_info(example(pubsub_example(14, "meta-data-result")));
  REQUIRE_MESSAGE(info, (info ? "" : info.error().message));
  CHECK(info->node_type == "leaf");
  CHECK(info->info.node == "princely_musings");
  REQUIRE(info->meta_data.has_value());
  CHECK(info->meta_data->form_type() == std::string(pubsub::k_form_meta_data));
  const auto* title = info->meta_data->field("pubsub#title");
  REQUIRE(title != nullptr);
  CHECK(title->label == "A short name for the node");
  CHECK(title->values == std::vector<std::string>{"Princely Musings (Atom)"});
  CHECK(info->meta_data->field("pubsub#num_subscribers")->values ==
        std::vector<std::string>{"1066"});
}

TEST_CASE("pubsub error conditions (§7.1.3, §6.1.3, §6.2.3): examples 30, 49, 50, 108, 110") {
  CHECK(pubsub::pubsub_condition(example(pubsub_example(30, "invalid-jid"))) == "invalid-jid");
  CHECK(pubsub::pubsub_condition(example(pubsub_example(49, "subid-required"))) == "subid-required");
  CHECK(pubsub::pubsub_condition(example(pubsub_example(50, "not-subscribed"))) == "not-subscribed");
  CHECK(pubsub::pubsub_condition(example(pubsub_example(108, "publish-node-full"))) == "node-full");
  CHECK(pubsub::pubsub_condition(example(pubsub_example(110, "publish-invalid-payload"))) ==
        "invalid-payload");
  CHECK_FALSE(pubsub::pubsub_condition(example(pubsub_example(105, "publish-forbidden"))));
  const auto unsupported = test::parse_stanza(
      "<iq type='error' id='x'><error type='cancel'><feature-not-implemented "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><unsupported "
      "xmlns='http://jabber.org/protocol/pubsub#errors' feature='publish-options'/></error></iq>");
  CHECK(pubsub::unsupported_feature(unsupported) == "publish-options");
  CHECK(pubsub::pubsub_condition(unsupported) == "unsupported");
}

TEST_CASE("describe_error: what a person reads for each example's condition") {
  struct Case {
    int number;
    const char* slug;
    pubsub::Operation op;
    bool with_app;  // pass the pubsub condition (as a caller holding the error stanza would)
    const char* expect;
  };
  const Case cases[] = {
      {30, "invalid-jid", pubsub::Operation::subscribe, true,
       "the JID is not yours to use here (bad-request: invalid-jid)"},
      {41, "subscribe-item-not-found", pubsub::Operation::subscribe, false,
       "the node does not exist (item-not-found)"},
      {49, "subid-required", pubsub::Operation::unsubscribe, true,
       "you have several subscriptions: say which (subid) (bad-request: subid-required)"},
      {50, "not-subscribed", pubsub::Operation::unsubscribe, true,
       "you are not subscribed to this node (unexpected-request: not-subscribed)"},
      {105, "publish-forbidden", pubsub::Operation::publish, false,
       "you may not publish to this node (forbidden)"},
      {107, "publish-item-not-found", pubsub::Operation::publish, false,
       "the node does not exist (item-not-found)"},
      {108, "publish-node-full", pubsub::Operation::publish, true,
       "the node is full (its max_items is reached) (conflict: node-full)"},
      {110, "publish-invalid-payload", pubsub::Operation::publish, true,
       "the service does not accept this payload (bad-request: invalid-payload)"},
      {129, "create-conflict", pubsub::Operation::create, false,
       "a node with this name already exists (conflict)"},
      {149, "configure-not-acceptable", pubsub::Operation::configure_set, false,
       "the service did not accept this configuration (not-acceptable)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.number);
    const auto ex = example(pubsub_example(c.number, c.slug));
    const auto app = c.with_app ? pubsub::pubsub_condition(ex) : std::nullopt;
    const auto e = pubsub::describe_error(as_request_error(ex), c.op, app);
    CHECK(e.kind == ErrorKind::remote);
    CHECK(e.code == "stanza_error");
    CHECK(e.condition == stanza::parse_stanza_error(ex).condition);
    CHECK(e.message == c.expect);
  }
}

TEST_CASE("describe_error: §7.1.5 precondition-not-met, from the condition or from the context") {
  const auto reply = test::parse_stanza(
      "<iq type='error' id='x' from='pubsub.example.test'><error type='cancel'><conflict "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><precondition-not-met "
      "xmlns='http://jabber.org/protocol/pubsub#errors'/></error></iq>");
  const auto error = as_request_error(reply);
  // With the stanza: the pubsub condition says it.
  auto e = pubsub::describe_error(error, pubsub::Operation::publish,
                                  pubsub::pubsub_condition(reply));
  CHECK(e.code == "precondition_not_met");
  CHECK(e.condition == "conflict");
  CHECK(e.message == "the node's configuration does not match the publish-options (conflict: "
                     "precondition-not-met)");
  // Through Session::request (no stanza): a conflict on a publish with options is §7.1.5's.
  e = pubsub::describe_error(error, pubsub::Operation::publish, std::nullopt, true);
  CHECK(e.code == "precondition_not_met");
  CHECK(e.message.find("precondition-not-met") != std::string::npos);
  // Without options a conflict is no precondition failure.
  e = pubsub::describe_error(error, pubsub::Operation::publish, std::nullopt, false);
  CHECK(e.code == "stanza_error");
  // <text/> follows the condition; other errors pass through.
  const auto with_text = test::parse_stanza(
      "<iq type='error' id='x'><error type='auth'><forbidden "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>outcast</text></error></iq>");
  e = pubsub::describe_error(as_request_error(with_text), pubsub::Operation::publish);
  CHECK(e.message == "you may not publish to this node (forbidden; outcast)");
  const Error timeout = make_error(ErrorKind::temporary, "timeout", "", "no answer");
  CHECK(pubsub::describe_error(timeout, pubsub::Operation::items).message == "no answer");
  CHECK(pubsub::describe_node(k_service, "n") == "node n at pubsub.shakespeare.lit");
  CHECK(pubsub::describe_node(std::nullopt, "n") == "node n of our PEP service");
}

// ---- the pubsub#node_config registry (§16.4.4) ----
// `pubsub create --set` may name a registered field the service's default form lacks (ejabberd
// 23.01's has no pubsub#title), checked by its registered type; an unregistered var is refused.

namespace {

/// ejabberd 23.01's default configuration form, shortened: FORM_TYPE, max_items and a boolean.
forms::Form ejabberd_like_defaults() {
  forms::Form form;
  forms::Field type;
  type.var = "FORM_TYPE";
  type.type = forms::FieldType::hidden;
  type.values = {"http://jabber.org/protocol/pubsub#node_config"};
  forms::Field max_items;
  max_items.var = "pubsub#max_items";
  max_items.type = forms::FieldType::text_single;
  max_items.values = {"10"};
  forms::Field notify_delete;
  notify_delete.var = "pubsub#notify_delete";
  notify_delete.type = forms::FieldType::boolean;
  notify_delete.values = {"false"};
  form.fields = {type, max_items, notify_delete};
  return form;
}

}  // namespace

TEST_CASE("node_config registry: each var once, the registered types") {
  std::set<std::string> vars;
  for (const auto& f : pubsub::registered_node_config_fields()) {
    CHECK(std::string(f.var).rfind("pubsub#", 0) == 0);
    CHECK(vars.insert(std::string(f.var)).second);
  }
  CHECK(vars.size() == 29);
  const auto type_of = [](std::string_view var) {
    for (const auto& f : pubsub::registered_node_config_fields())
      if (f.var == var) return f.type;
    FAIL("not registered: " << var);
    return forms::FieldType::fixed;
  };
  CHECK(type_of("pubsub#title") == forms::FieldType::text_single);
  CHECK(type_of("pubsub#contact") == forms::FieldType::jid_multi);
  CHECK(type_of("pubsub#notify_retract") == forms::FieldType::boolean);
  CHECK(type_of("pubsub#roster_groups_allowed") == forms::FieldType::list_multi);
}

TEST_CASE("node_config: the default form keeps its own fields and gains the registered others") {
  const auto completed = pubsub::with_registered_node_config(ejabberd_like_defaults());
  REQUIRE(completed.fields.size() == 1 + 29);
  // The service's own fields stay first and unchanged (values, type).
  CHECK(completed.fields[1].var == "pubsub#max_items");
  CHECK(completed.fields[1].values == std::vector<std::string>{"10"});
  const auto* title = completed.field("pubsub#title");
  REQUIRE(title != nullptr);
  CHECK(title->type == forms::FieldType::text_single);
  CHECK(title->values.empty());
  CHECK(title->options.empty());
  // Nothing registered twice: notify_delete was in the form.
  int seen = 0;
  for (const auto& f : completed.fields)
    seen += f.var == "pubsub#notify_delete";
  CHECK(seen == 1);
}

TEST_CASE("node_config: --set of a registered field passes, an unregistered var is refused") {
  const auto completed = pubsub::with_registered_node_config(ejabberd_like_defaults());
  const forms::SubmitOptions answered{forms::Carry::answered, true};

  auto ok = forms::fill(completed, {{"pubsub#title", {"CI results"}}, {"pubsub#max_items", {"7"}}},
                        answered);
  REQUIRE(ok);
  CHECK(ok->field("pubsub#title")->values == std::vector<std::string>{"CI results"});

  // Checked by the registered type: a boolean that is not one.
  auto bad = forms::fill(completed, {{"pubsub#tempsub", {"maybe"}}}, answered);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().front().kind == forms::ProblemKind::bad_value);

  auto unknown = forms::fill(completed, {{"pubsub#titel", {"typo"}}}, answered);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().front().kind == forms::ProblemKind::unknown_var);
  CHECK(forms::to_error(unknown.error()).kind == ErrorKind::data);
}
