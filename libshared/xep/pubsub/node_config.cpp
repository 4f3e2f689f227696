#include "xep/pubsub/node_config.hpp"

#include <array>
#include <string>
#include <utility>

namespace xmpp::pubsub {
namespace {

using forms::FieldType;

// XEP-0060 §16.4.4, as the registry lists them (the collection fields moved to XEP-0248).
constexpr std::array k_registered_node_config{
    RegisteredField{"pubsub#access_model", FieldType::list_single,
                    "Who may subscribe and retrieve items"},
    RegisteredField{"pubsub#body_xslt", FieldType::text_single,
                    "The URL of an XSL transformation for message bodies"},
    RegisteredField{"pubsub#contact", FieldType::jid_multi,
                    "The JIDs of those to contact with questions"},
    RegisteredField{"pubsub#dataform_xslt", FieldType::text_single,
                    "The URL of an XSL transformation for data forms"},
    RegisteredField{"pubsub#deliver_notifications", FieldType::boolean,
                    "Whether to deliver event notifications"},
    RegisteredField{"pubsub#deliver_payloads", FieldType::boolean,
                    "Whether to deliver payloads with event notifications"},
    RegisteredField{"pubsub#description", FieldType::text_single, "A description of the node"},
    RegisteredField{"pubsub#item_expire", FieldType::text_single,
                    "Number of seconds after which to purge items"},
    RegisteredField{"pubsub#itemreply", FieldType::list_single,
                    "Whether owners or publisher should receive replies to items"},
    RegisteredField{"pubsub#language", FieldType::list_single, "The default language of the node"},
    RegisteredField{"pubsub#max_items", FieldType::text_single,
                    "The maximum number of items to persist"},
    RegisteredField{"pubsub#max_payload_size", FieldType::text_single,
                    "The maximum payload size in bytes"},
    RegisteredField{"pubsub#node_type", FieldType::list_single, "Whether the node is a leaf"},
    RegisteredField{"pubsub#notification_type", FieldType::list_single,
                    "Specify the delivery style for notifications"},
    RegisteredField{"pubsub#notify_config", FieldType::boolean,
                    "Whether to notify subscribers when the node configuration changes"},
    RegisteredField{"pubsub#notify_delete", FieldType::boolean,
                    "Whether to notify subscribers when the node is deleted"},
    RegisteredField{"pubsub#notify_retract", FieldType::boolean,
                    "Whether to notify subscribers when items are removed from the node"},
    RegisteredField{"pubsub#notify_sub", FieldType::boolean,
                    "Whether to notify owners about new subscribers and unsubscribes"},
    RegisteredField{"pubsub#persist_items", FieldType::boolean,
                    "Whether to persist items to storage"},
    RegisteredField{"pubsub#presence_based_delivery", FieldType::boolean,
                    "Whether to deliver notifications to available users only"},
    RegisteredField{"pubsub#publish_model", FieldType::list_single, "The publisher model"},
    RegisteredField{"pubsub#publish_node_full", FieldType::list_single,
                    "Action to be performed by the service when publishing on a full node"},
    RegisteredField{"pubsub#purge_offline", FieldType::boolean,
                    "Whether to purge all items when the relevant publisher goes offline"},
    RegisteredField{"pubsub#roster_groups_allowed", FieldType::list_multi,
                    "The roster group(s) allowed to subscribe and retrieve items"},
    RegisteredField{"pubsub#send_last_published_item", FieldType::list_single,
                    "When to send the last published item"},
    RegisteredField{"pubsub#tempsub", FieldType::boolean,
                    "Whether to make all subscriptions temporary, based on subscriber presence"},
    RegisteredField{"pubsub#subscribe", FieldType::boolean, "Whether to allow subscriptions"},
    RegisteredField{"pubsub#title", FieldType::text_single, "A friendly name for the node"},
    RegisteredField{"pubsub#type", FieldType::text_single,
                    "The semantic type information of data in the node"},
};

}  // namespace

std::span<const RegisteredField> registered_node_config_fields() {
  return k_registered_node_config;
}

forms::Form with_registered_node_config(forms::Form defaults) {
  for (const auto& r : k_registered_node_config) {
    if (defaults.field(r.var) != nullptr) continue;
    forms::Field field;
    field.var = std::string(r.var);
    field.type = r.type;
    field.label = std::string(r.label);
    defaults.fields.push_back(std::move(field));
  }
  return defaults;
}

}  // namespace xmpp::pubsub
