// The fields registered for the pubsub#node_config FORM_TYPE (XEP-0060 version 1.30.0 §16.4.4),
// with their registered types: what `pubsub create --set` may name even when the service's
// default configuration form (§8.3) leaves a field out (ejabberd 23.01's lacks pubsub#title,
// pubsub#description, pubsub#type...). The service still decides: it answers bad-request if it
// does not support a field. No I/O.
#pragma once

#include <span>
#include <string_view>

#include "xep/forms/form.hpp"

namespace xmpp::pubsub {

/// One registered node configuration field: its var and its type (§16.4.4).
struct RegisteredField {
  std::string_view var;
  forms::FieldType type;
  std::string_view label;  ///< shortened from the registry's
};

/// Every field §16.4.4 registers for pubsub#node_config, in the registry's order.
std::span<const RegisteredField> registered_node_config_fields();

/// `defaults` with every registered field it lacks appended (var, registered type and label, no
/// value and no options: a list field the form does not offer stays open), so that checking
/// answers against it refuses only vars nobody registered.
forms::Form with_registered_node_config(forms::Form defaults);

}  // namespace xmpp::pubsub
