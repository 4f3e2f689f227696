// XEP-0388 v0.4 Extensible SASL Profile (SASL2) and XEP-0386 v0.3 Bind 2 elements, sans-I/O: what
// the server offers inside <authentication/>, the <authenticate/> we send (with an inline Bind 2
// request and XEP-0198 enable), and what its <success/> established. The Negotiator drives them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "stream/namespaces.hpp"
#include "xml/element.hpp"

namespace xmpp::stream {

/// A SASL2 <authentication/> stream feature.
struct Sasl2Offer {
  std::vector<std::string> mechanisms;  ///< in the server's order
  bool bind2 = false;     ///< <bind xmlns='urn:xmpp:bind:0'/> among the inline features
  bool bind2_sm = false;  ///< XEP-0198 enable may go inside the Bind 2 request (its inline list)
};

/// The SASL2 feature of `features`, if offered.
std::optional<Sasl2Offer> parse_sasl2_offer(const xml::Element& features);

/// What the <authenticate/> asks for besides authentication.
struct Sasl2Request {
  std::string mechanism;
  std::optional<std::string> initial_response;  ///< raw bytes; nullopt = no <initial-response/>
  bool bind2 = false;                           ///< add a Bind 2 <bind/>
  bool enable_sm = false;                       ///< with XEP-0198 <enable resume='true'/> in it
};

xml::Element make_authenticate(const Sasl2Request& request);

/// What a SASL2 <success/> (or <continue/>) carried.
struct Sasl2Success {
  std::optional<std::string> additional_data;  ///< decoded; nullopt when absent
  std::string authorization_identifier;        ///< bare JID, or full JID when a resource was bound
  bool bound = false;                          ///< Bind 2 <bound/> present
  std::optional<xml::Element> sm_result;       ///< XEP-0198 <enabled/> or <failed/> inside <bound/>
};

/// Parses <success xmlns='urn:xmpp:sasl:2'/>. Errors: protocol "stream_error" (bad-format) for
/// additional data that is not base64, or a missing <authorization-identifier/>.
Result<Sasl2Success> parse_sasl2_success(const xml::Element& success);

/// The task names of a <continue/>, for the error message (we implement no task).
std::vector<std::string> sasl2_tasks(const xml::Element& cont);

}  // namespace xmpp::stream
