// XEP-0184 Message Delivery Receipts against the spec's examples 3 and 4, and the cases where no
// receipt is due (§4.3 groupchat, §4.4 acks, §5 id, RFC 6120 §8.3.1 errors).
#include <doctest/doctest.h>

#include "stanza/message.hpp"
#include "xep/receipts/receipts.hpp"
#include "xep_examples.hpp"

using namespace xmpp;
using test::canonical;
using test::example;

namespace {

xml::Element content_message(std::string type = {}) {
  auto m = test::parse_stanza("<message from='a@example.org/x' to='b@example.org' id='m1'>"
                              "<body>hi</body><request xmlns='urn:xmpp:receipts'/></message>");
  if (!type.empty()) m.set_attr("type", type);
  return m;
}

}  // namespace

TEST_CASE("XEP-0184 example 3: a content message requesting a receipt") {
  const auto request = example("xep0184-ex3-request.xml");
  CHECK(receipts::has_request(request));
  CHECK_FALSE(receipts::received_id(request));
}

TEST_CASE("XEP-0184 example 4: the ack names the content message's id") {
  const auto ack = example("xep0184-ex4-receipt.xml");
  CHECK(receipts::received_id(ack) == "richard2-4.1.247");
  CHECK_FALSE(receipts::has_request(ack));
}

TEST_CASE("make_receipt answers example 3 with example 4 (apart from the new id and the from)") {
  const auto request = example("xep0184-ex3-request.xml");
  const auto example = test::example("xep0184-ex4-receipt.xml");
  auto receipt = receipts::make_receipt(request);
  REQUIRE(receipt);
  const auto id = receipt->attr("id");
  REQUIRE(id);
  CHECK(id->size() >= 16);  // random_id(): 128 bits
  CHECK(*id != "richard2-4.1.247");
  CHECK_FALSE(receipt->attr("from"));  // the server stamps it (RFC 6120 §8.1.2.1)
  receipt->set_attr("id", *example.attr("id"));
  receipt->set_attr("from", *example.attr("from"));
  CHECK(canonical(*receipt) == canonical(example));
  CHECK(receipt->elements().size() == 1);  // §5: the ack carries only <received/>
  CHECK(receipts::received_id(*receipt) == "richard2-4.1.247");
}

TEST_CASE("make_receipt keeps a one-to-one type and gives every ack a new id") {
  for (const char* type : {"chat", "normal", "headline"}) {
    CAPTURE(type);
    auto receipt = receipts::make_receipt(content_message(type));
    REQUIRE(receipt);
    CHECK(receipt->attr("type") == type);
    CHECK(receipt->attr("to") == "a@example.org/x");
  }
  const auto a = receipts::make_receipt(content_message());
  const auto b = receipts::make_receipt(content_message());
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->attr("id") != b->attr("id"));
}

TEST_CASE("no receipt when none is due") {
  CHECK_FALSE(receipts::make_receipt(content_message("groupchat")));  // §4.3
  CHECK_FALSE(receipts::make_receipt(content_message("error")));      // never answer errors
  auto no_request = content_message();
  no_request.nodes().pop_back();
  CHECK_FALSE(receipts::make_receipt(no_request));
  auto no_id = content_message();
  no_id.remove_attr("id");
  CHECK_FALSE(receipts::make_receipt(no_id));
  auto empty_id = content_message();
  empty_id.set_attr("id", "");
  CHECK_FALSE(receipts::make_receipt(empty_id));
  auto no_from = content_message();
  no_from.remove_attr("from");
  CHECK_FALSE(receipts::make_receipt(no_from));
  // §4.4: an ack never carries a request; one that does is not answered (no ack loops).
  auto ack_with_request = content_message();
  xml::Element received("received", std::string(receipts::k_ns));
  received.set_attr("id", "x");
  ack_with_request.add_child(received);
  CHECK_FALSE(receipts::make_receipt(ack_with_request));
  // Only a message: an iq or presence with a request is nothing we answer.
  auto presence = test::parse_stanza(
      "<presence from='a@example.org/x' id='p'><request xmlns='urn:xmpp:receipts'/></presence>");
  CHECK_FALSE(receipts::make_receipt(presence));
}

TEST_CASE("make_request and has_request round-trip; a request in another namespace is none") {
  CHECK(receipts::make_request() == xml::Element("request", "urn:xmpp:receipts"));
  auto m = stanza::make_message("b@example.org", stanza::MessageType::chat, "hi", "m1");
  CHECK_FALSE(receipts::has_request(m));
  m.add_child(receipts::make_request());
  CHECK(receipts::has_request(m));
  CHECK_FALSE(receipts::has_request(
      test::parse_stanza("<message id='m'><request xmlns='urn:xmpp:receipts:1'/></message>")));
}

TEST_CASE("received_id: missing or empty id is no receipt") {
  CHECK_FALSE(receipts::received_id(
      test::parse_stanza("<message><received xmlns='urn:xmpp:receipts'/></message>")));
  CHECK_FALSE(receipts::received_id(
      test::parse_stanza("<message><received xmlns='urn:xmpp:receipts' id=''/></message>")));
  CHECK_FALSE(receipts::received_id(test::parse_stanza(
      "<message><received xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>")));
}
