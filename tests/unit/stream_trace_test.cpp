// Trace redaction (SECURITY.md (c) "Logs") and the small pure helpers of the session driver
// (stream header, retry policy).
#include <doctest/doctest.h>

#include "stream/session.hpp"
#include "stream/trace.hpp"
#include "stream_support.hpp"

using namespace xmpp;
using namespace xmpp::stream;
using xmpp::test::jid;
using xmpp::test::parse;

TEST_CASE("trace: SASL payloads are redacted") {
  for (const char* name : {"auth", "response", "challenge", "success"}) {
    CAPTURE(name);
    xml::Element e(name, "urn:ietf:params:xml:ns:xmpp-sasl");
    if (std::string(name) == "auth") e.set_attr("mechanism", "PLAIN");
    e.add_text("AGFsaWNlAHNlY3JldA==");
    const std::string text = trace_text(e);
    CHECK(text.find("AGFsaWNlAHNlY3JldA==") == std::string::npos);
    CHECK(text.find("[redacted]") != std::string::npos);
  }
  // The mechanism name stays visible: it is what a reader of the trace needs.
  xml::Element auth("auth", "urn:ietf:params:xml:ns:xmpp-sasl");
  auth.set_attr("mechanism", "SCRAM-SHA-1");
  auth.add_text("biwsbj1hbGljZQ==");
  CHECK(trace_text(auth) ==
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>[redacted]</auth>");
  // Empty elements stay empty.
  CHECK(trace_text(xml::Element("success", "urn:ietf:params:xml:ns:xmpp-sasl")) ==
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
}

TEST_CASE("trace: SASL failure, features and stanzas are shown as they are") {
  const xml::Element failure =
      parse("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
  CHECK(trace_text(failure).find("not-authorized") != std::string::npos);
  const xml::Element m = parse("<message to='bob@example.test'><body>hello</body></message>");
  CHECK(trace_text(m) == "<message to='bob@example.test'><body>hello</body></message>");
}

TEST_CASE("trace: SASL2, XEP-0077 passwords and text-private form fields are redacted") {
  const xml::Element sasl2 = parse("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'>"
                                   "<initial-response>c2VjcmV0</initial-response></authenticate>");
  CHECK(trace_text(sasl2).find("c2VjcmV0") == std::string::npos);
  const xml::Element reg =
      parse("<iq type='set' id='r'><query xmlns='jabber:iq:register'>"
            "<username>alice</username><password>hunter2</password></query></iq>");
  const std::string reg_text = trace_text(reg);
  CHECK(reg_text.find("hunter2") == std::string::npos);
  CHECK(reg_text.find("alice") != std::string::npos);
  const xml::Element form =
      parse("<iq type='set' id='c'><command xmlns='http://jabber.org/protocol/commands'>"
            "<x xmlns='jabber:x:data' type='submit'>"
            "<field var='password' type='text-private'><value>s3cret</value></field>"
            "<field var='user' type='text-single'><value>bob</value></field>"
            "</x></command></iq>");
  const std::string form_text = trace_text(form);
  CHECK(form_text.find("s3cret") == std::string::npos);
  CHECK(form_text.find("bob") != std::string::npos);
}

TEST_CASE("trace: redaction works on a copy") {
  xml::Element auth("auth", "urn:ietf:params:xml:ns:xmpp-sasl");
  auth.add_text("payload");
  const xml::Element red = redact(auth);
  CHECK(red.text() == "[redacted]");
  CHECK(auth.text() == "payload");
}

TEST_CASE("trace: received stream header") {
  xml::StreamHeader h;
  h.from = "example.test";
  h.id = "abc";
  h.version = "1.0";
  h.lang = "en";
  CHECK(trace_text(h) ==
        "<stream:stream from='example.test' id='abc' version='1.0' xml:lang='en'>");
}

TEST_CASE("session: the stream header we send (RFC 6120 §4.7)") {
  const std::string before_tls = stream_header(jid("alice@example.test"), false, false);
  CHECK(before_tls == "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                      "xmlns:stream='http://etherx.jabber.org/streams' to='example.test' "
                      "version='1.0' xml:lang='en'>");
  const std::string after_tls = stream_header(jid("alice@example.test/r"), true, false);
  CHECK(after_tls.find(" from='alice@example.test'") != std::string::npos);
  CHECK(stream_header(jid("example.test"), true, true).find("from=") == std::string::npos);
}

