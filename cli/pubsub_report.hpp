// What `xmpp pubsub` prints (xmpp-pubsub(1) OUTPUT; XEP-0060 version 1.30.0, PEP XEP-0163): one
// report per subcommand and the NDJSON/human lines of `listen`. Every JSON key below is part of
// the contract (issue 7); a value that is absent is null, never left out. "service" is always the
// resolved service JID (our own PEP service: our bare JID). Remote text in human output goes
// through escape_terminal (SECURITY.md row 51), except the payload bytes of `items --quiet`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "output.hpp"
#include "xep/disco/disco.hpp"
#include "xep/forms/answers.hpp"
#include "xep/forms/form.hpp"
#include "xep/muc/config.hpp"
#include "xep/pubsub/events.hpp"
#include "xep/pubsub/pubsub.hpp"

namespace xmpp::cli {

/// One item as JSON:
///   {"id":ID,"publisher":P|null,"payload":XML|null,"text":T|null,"json":J|null,
///    "atom":{"title","link","summary","id","updated"}|null,
///    "geoloc":{"lat","lon","accuracy","text"}|null}
/// payload: the element as our writer serialises it; text: the text of a --text element
/// (pubsub::text_of); json: the JSON text of an XEP-0335 <json/>, as published; atom and geoloc
/// when the payload is an Atom entry or an XEP-0080 location (absent fields null). An empty id is
/// null.
nlohmann::ordered_json item_json(const pubsub::Item& item);

/// The payload for people: the text of a --text payload and the JSON of a JSON payload exactly,
/// any other element as XML, "(no payload)" without one. `raw`: the bytes as they are (for
/// `items --quiet`); else escape_terminal with newlines kept.
std::string payload_text(const pubsub::Item& item, bool raw);

/// `nodes [SERVICE]`. JSON: {"service":S,"parent":P|null,"nodes":[{"node":N,"name":NAME|null,
/// "jid":J}]}. Human: one "NODE  NAME" line per node.
struct PubsubNodesReport : Report {
  std::string service;
  std::optional<std::string> parent;
  std::vector<disco::DiscoItem> nodes;  ///< only items with a node
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `info SERVICE NODE`. JSON: {"service":S,"node":N,"type":"leaf"|"collection"|"",
/// "identities":[{"category","type","name"}],"features":[..],"meta_data":FORM|null} (FORM as
/// form_json writes it).
struct PubsubInfoReport : Report {
  std::string service;
  std::string node;
  pubsub::NodeInfo info;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `create SERVICE NODE`. JSON: {"service":S,"node":N,"config":{VAR:VALUE or [VALUES]}} with
/// what --set gave (one value: a string; several for one VAR: an array).
struct PubsubCreateReport : Report {
  std::string service;
  std::string node;
  forms::Answers config;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `configure SERVICE NODE` without --set. JSON: {"service":S,"node":N,"form":FORM}.
struct PubsubConfigFormReport : Report {
  std::string service;
  std::string node;
  forms::Form form;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `configure SERVICE NODE --set ...`. JSON: {"service":S,"node":N,"changes":[{"var","label",
/// "before","after"}]} (label null when none; before and after arrays of values, both [] for a
/// text-private field). Human: "VAR: BEFORE -> AFTER" per change, or "nothing changed".
struct PubsubConfigChangeReport : Report {
  std::string service;
  std::string node;
  std::vector<muc::ConfigChange> changes;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `delete` and `purge`. JSON: {"service":S,"node":N}.
struct PubsubNodeDoneReport : Report {
  std::string verb;  ///< "deleted" or "purged", for people
  std::string service;
  std::string node;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `publish`. JSON: {"service":S,"node":N,"id":ITEM_ID,"created":BOOL} (id null when the service
/// kept none). Human: "published item ID to node N at S" (and "(created the node)").
struct PubsubPublishReport : Report {
  std::string service;
  std::string node;
  std::string id;
  bool created = false;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `items`. JSON: {"service":S,"node":N,"complete":BOOL,"items":[ITEM..]} (item_json). Human:
/// per item a line "item ID by PUBLISHER", the payload (payload_text), an empty line. With
/// `quiet` (--quiet): only each payload's bytes, unescaped, each followed by a newline.
struct PubsubItemsReport : Report {
  std::string service;
  std::string node;
  bool complete = true;
  std::vector<pubsub::Item> items;
  bool quiet = false;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `retract`. JSON: {"service":S,"node":N,"retracted":[IDS]} (those retracted, in order).
struct PubsubRetractReport : Report {
  std::string service;
  std::string node;
  std::vector<std::string> retracted;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `subscribe`. JSON: {"service":S,"node":N,"jid":J,"subscription":"subscribed"|"pending"|
/// "unconfigured","subid":ID|null}.
struct PubsubSubscribeReport : Report {
  std::string service;
  std::string node;
  pubsub::Subscription subscription;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `unsubscribe`. JSON: {"service":S,"node":N,"jid":J}.
struct PubsubUnsubscribeReport : Report {
  std::string service;
  std::string node;
  std::string jid;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `subscriptions`. JSON: {"service":S,"node":N|null,"owner":BOOL,"subscriptions":[{"node":N|null,
/// "jid":J,"subscription":STATE,"subid":ID|null}]}. An owner listing's entries carry the node
/// asked for.
struct PubsubSubscriptionsReport : Report {
  std::string service;
  std::optional<std::string> node;
  bool owner = false;
  std::vector<pubsub::Subscription> subscriptions;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `affiliations` (listing). JSON: {"service":S,"node":N|null,"owner":BOOL,"affiliations":
/// [{"node":N|null,"jid":J|null,"affiliation":A}]}. An owner listing's entries carry the node
/// asked for; our own listing's have no jid.
struct PubsubAffiliationsReport : Report {
  std::string service;
  std::optional<std::string> node;
  bool owner = false;
  std::vector<pubsub::AffiliationEntry> affiliations;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// `affiliations --set`. JSON: {"service":S,"node":N,"set":[{"jid","affiliation"}]}.
struct PubsubAffiliationsSetReport : Report {
  std::string service;
  std::string node;
  std::vector<pubsub::AffiliationChange> set;
  nlohmann::ordered_json to_json() const override;
  void print_human(std::ostream& out) const override;
};

/// One `listen` event as one NDJSON object:
///   {"event":"published"|"retracted"|"purged"|"deleted"|"configured","service":S,"node":N,
///    "id":ID|null,"publisher":P|null,"payload":XML|null,"text":T|null,"json":J|null,
///    "redirect":URI|null,"delayed":TIME|null}
/// delayed: the XEP-0203 stamp of an event the service sent later (e.g. the last item on
/// subscription, §6.1.7), XEP-0082 UTC.
nlohmann::ordered_json event_json(const std::string& service, const pubsub::Event& event);

/// One `listen` event for people: "published ID: PAYLOAD", "retracted ID", "purged",
/// "deleted [-> REDIRECT]", "configured" (whether it was delayed shows only in JSON).
std::string event_line(const pubsub::Event& event);

}  // namespace xmpp::cli
