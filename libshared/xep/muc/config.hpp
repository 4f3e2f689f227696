// XEP-0045 Multi-User Chat (version 1.35) room configuration codecs: the owner form request and
// reply (§10.1.3 examples 157-158, §10.2 examples 163-164), its submission (§10.1.4 example 159,
// §10.2 example 165), the muc#roomconfig FORM_TYPE and field names (§15.5.3), the shorthands of
// `xmpp muc create/config`, and what a submission changed. No I/O: config_ops.hpp sends them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "xep/forms/answers.hpp"
#include "xep/forms/form.hpp"
#include "xml/element.hpp"

namespace xmpp::muc {

/// The FORM_TYPE of the owner configuration form (§15.5.3).
inline constexpr std::string_view k_form_roomconfig = "http://jabber.org/protocol/muc#roomconfig";

// The registered fields (§15.5.3) the command-line shorthands set.
inline constexpr std::string_view k_var_roomname = "muc#roomconfig_roomname";
inline constexpr std::string_view k_var_roomdesc = "muc#roomconfig_roomdesc";
inline constexpr std::string_view k_var_persistent = "muc#roomconfig_persistentroom";
inline constexpr std::string_view k_var_membersonly = "muc#roomconfig_membersonly";
inline constexpr std::string_view k_var_passwordprotected =
    "muc#roomconfig_passwordprotectedroom";
inline constexpr std::string_view k_var_roomsecret = "muc#roomconfig_roomsecret";
inline constexpr std::string_view k_var_public = "muc#roomconfig_publicroom";
inline constexpr std::string_view k_var_moderated = "muc#roomconfig_moderatedroom";

/// `<iq type='get' to=ROOM><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>`: asks for
/// the configuration form (§10.1.3 example 157, §10.2 example 163). An empty `id` is left to
/// Session::request.
xml::Element make_config_request(const Jid& room, std::string id = {});

/// The data form of a configuration reply (§10.1.3 example 158): the jabber:x:data <x/> in the
/// muc#owner <query/>. Errors: kind protocol, code "bad_reply", when there is no muc#owner query
/// or no form in it; the errors of forms::parse for a broken form.
Result<forms::Form> parse_config_form(const xml::Element& iq);

/// `<iq type='set' to=ROOM><query xmlns='...#owner'>FORM</query></iq>`: submits a filled form
/// (§10.1.4 example 159, §10.2 example 165) or cancels (forms::cancel_form(), §10.1.6).
xml::Element make_config_submit(const Jid& room, const forms::Form& form, std::string id = {});

/// The form of a muc#owner set (for responders and tests): submit, cancel, or nullopt when the
/// query has no form (a <destroy/> request, say) or the form does not parse.
std::optional<forms::Form> parse_config_submit(const xml::Element& iq);

/// The shorthand options of `xmpp muc create` and `config` (CLI.md "muc"), each one field of
/// §15.5.3.
struct ConfigShorthands {
  std::optional<std::string> name;         ///< muc#roomconfig_roomname
  std::optional<std::string> description;  ///< muc#roomconfig_roomdesc
  bool persistent = false;                 ///< muc#roomconfig_persistentroom = 1
  bool members_only = false;               ///< muc#roomconfig_membersonly = 1
  bool moderated = false;                  ///< muc#roomconfig_moderatedroom = 1
  std::optional<bool> is_public;           ///< muc#roomconfig_publicroom = 1 / 0
  /// muc#roomconfig_roomsecret, and muc#roomconfig_passwordprotectedroom = 1 where the form has
  /// that field (Prosody has none: a non-empty secret protects the room).
  std::optional<std::string> password;

  /// True when no shorthand is given.
  bool empty() const;
};

/// The shorthands as answers for `form`, in the order of the struct: booleans as "1"/"0" (fill
/// writes them as the form spells its own). Fields the form lacks are still answered (fill then
/// reports them as unknown, with the valid vars), except passwordprotectedroom, which is only
/// answered where the form has it.
forms::Answers shorthand_answers(const ConfigShorthands& shorthands, const forms::Form& form);

/// One configuration field whose value differs between two versions of the owner form.
struct ConfigChange {
  std::string var;
  std::optional<std::string> label;
  std::vector<std::string> before;  ///< empty for a secret
  std::vector<std::string> after;   ///< empty for a secret
  bool secret = false;              ///< text-private: the values are never shown
  bool operator==(const ConfigChange&) const = default;
};

/// The input fields (forms::Field::is_input) whose values differ between `before` and `after`, in
/// the order of `after` then the vars only `before` has. Booleans compare by meaning ("1" equals
/// "true", §3.3); text-private fields are compared and reported without their values.
std::vector<ConfigChange> config_changes(const forms::Form& before, const forms::Form& after);

/// The value of a boolean field (§3.3: "1"/"true" and "0"/"false"), or nullopt when the form
/// lacks it or its value is no boolean.
std::optional<bool> boolean_value(const forms::Form& form, std::string_view var);

}  // namespace xmpp::muc
