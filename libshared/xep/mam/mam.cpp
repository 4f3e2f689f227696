#include "xep/mam/mam.hpp"

#include "stanza/iq.hpp"
#include "stanza/message.hpp"
#include "stanza/namespaces.hpp"
#include "xep/delay/delay.hpp"

namespace xmpp::mam {
namespace {

constexpr std::string_view k_form_type = "FORM_TYPE";

void add_field(xml::Element& form, std::string var, const std::vector<std::string>& values) {
  auto& field = form.add_child(xml::Element("field", std::string(k_ns_data)));
  field.set_attr("var", std::move(var));
  for (const auto& v : values)
    field.add_child(xml::Element("value", std::string(k_ns_data))).add_text(v);
}

void add_field(xml::Element& form, std::string var, std::string value) {
  add_field(form, std::move(var), std::vector<std::string>{std::move(value)});
}

// XML Schema xs:boolean (XEP-0004 §3.3 boolean fields and XEP-0313's attributes).
std::optional<bool> parse_boolean(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

std::optional<Jid> jid_attr(const xml::Element& e, std::string_view name) {
  const auto text = e.attr(name);
  if (!text) return std::nullopt;
  auto jid = Jid::parse(*text);
  if (!jid) return std::nullopt;
  return std::move(*jid);
}

tl::unexpected<Error> bad(std::string code, std::string condition, std::string message) {
  return fail(ErrorKind::protocol, std::move(code), std::move(condition), std::move(message));
}

// The condition and the <text/> of an Error made by stanza::to_error with no context: its message
// is "CONDITION" or "CONDITION (TEXT)".
std::string condition_and_text(const Error& error) {
  const std::string prefix = error.condition + " (";
  if (error.message.size() > prefix.size() + 1 && error.message.rfind(prefix, 0) == 0 &&
      error.message.back() == ')')
    return error.condition + ": " +
           error.message.substr(prefix.size(), error.message.size() - prefix.size() - 1);
  return error.condition;
}

}  // namespace

bool Filter::empty() const {
  return !start && !end && !with && !after_id && !before_id && ids.empty() && !include_groupchat;
}

xml::Element make_filter_form(const Filter& filter) {
  xml::Element form("x", std::string(k_ns_data));
  form.set_attr("type", "submit");
  // §4.1: "The hidden FORM_TYPE field MUST be set to this protocol's namespace".
  auto& type = form.add_child(xml::Element("field", std::string(k_ns_data)));
  type.set_attr("var", std::string(k_form_type)).set_attr("type", "hidden");
  type.add_child(xml::Element("value", std::string(k_ns_data))).add_text(std::string(k_ns));
  if (filter.with) add_field(form, "with", filter.with->str());
  if (filter.start) add_field(form, "start", time::format_utc(*filter.start));
  if (filter.end) add_field(form, "end", time::format_utc(*filter.end));
  if (filter.after_id) add_field(form, "after-id", *filter.after_id);
  if (filter.before_id) add_field(form, "before-id", *filter.before_id);
  if (!filter.ids.empty()) add_field(form, "ids", filter.ids);
  if (filter.include_groupchat)
    add_field(form, "include-groupchat", *filter.include_groupchat ? "true" : "false");
  return form;
}

xml::Element make_query(const Query& query) {
  xml::Element q("query", std::string(k_ns));
  if (!query.queryid.empty()) q.set_attr("queryid", query.queryid);
  if (query.node) q.set_attr("node", *query.node);
  if (!query.filter.empty()) q.add_child(make_filter_form(query.filter));
  if (query.page) q.add_child(rsm::make_set(*query.page));
  if (query.flip_page) q.add_child(xml::Element("flip-page", std::string(k_ns)));
  return q;
}

xml::Element make_query_iq(const std::optional<Jid>& archive, const Query& query, std::string id) {
  return stanza::make_iq(stanza::IqType::set, archive ? archive->str() : std::string(),
                         make_query(query), std::move(id));
}

bool is_result(const xml::Element& message) {
  return stanza::is_message(message) && message.child("result", k_ns) != nullptr;
}

bool is_own_archive(const std::optional<Jid>& archive, const Jid& own) {
  return !archive || (archive->is_bare() && is_same_bare(*archive, own));
}

bool is_from_archive(const xml::Element& message, const std::optional<Jid>& archive,
                     const Jid& own) {
  const auto from = message.attr("from");
  const bool own_archive = is_own_archive(archive, own);
  if (!from) return own_archive;  // RFC 6120 §8.1.2.1: no 'from' = the account itself
  const auto sender = Jid::parse(*from);
  if (!sender) return false;
  if (own_archive) return sender->is_bare() && is_same_bare(*sender, own);
  // §3.3.2: a room's archive is its bare JID; an occupant (room/nick) is not the archive.
  return *sender == *archive;
}

bool is_result_of(const xml::Element& message, const std::optional<Jid>& archive, const Jid& own,
                  std::string_view queryid) {
  if (!is_result(message) || !is_from_archive(message, archive, own)) return false;
  // §8.2: with several queries in flight, only the query id tells which one a result answers.
  return message.child("result", k_ns)->attr("queryid").value_or("") == queryid;
}

std::optional<std::string> result_queryid(const xml::Element& message) {
  const auto* result = message.child("result", k_ns);
  return result != nullptr ? result->attr("queryid") : std::nullopt;
}

Result<ArchivedMessage> parse_result(const xml::Element& message) {
  const auto* result = message.child("result", k_ns);
  if (result == nullptr) return bad("bad_result", "", "no <result/> in the archive's message");
  ArchivedMessage item;
  item.id = result->attr("id").value_or("");
  // §4.2: "The result messages MUST contain a <result/> element with an 'id' attribute".
  if (item.id.empty()) return bad("bad_result", "", "archive result without an id");
  const auto* forwarded = result->child("forwarded", k_ns_forward);
  if (forwarded == nullptr)
    return bad("bad_result", "", "archive result " + item.id + " without <forwarded/>");
  if (const auto delay = delay::parse_delay(*forwarded)) item.stamp = delay->stamp;
  const auto inner = forwarded->children("message", stanza::k_ns_client);
  if (inner.size() > 1)
    return bad("bad_result", "",
               "archive result " + item.id + " forwards " + std::to_string(inner.size()) +
                   " messages, not one");
  if (inner.size() == 1) {
    const auto& m = *inner.front();
    item.from = jid_attr(m, "from");
    item.to = jid_attr(m, "to");
    item.body = stanza::message_body(m);
    item.message = m;
  }
  return item;
}

Result<Fin> parse_fin(const xml::Element& iq) {
  const auto* fin = iq.child("fin", k_ns);
  if (fin == nullptr) return bad("bad_fin", "", "the archive's answer to the query has no <fin/>");
  Fin out;
  if (const auto complete = fin->attr("complete"))
    out.complete = parse_boolean(*complete).value_or(false);
  if (const auto stable = fin->attr("stable")) out.stable = parse_boolean(*stable).value_or(true);
  out.page = rsm::parse_set(*fin);
  return out;
}

std::string describe_archive(const std::optional<Jid>& archive, const Jid& own) {
  if (is_own_archive(archive, own)) return "our message archive (" + own.bare_str() + ")";
  return "message archive of " + archive->str();
}

Error describe_error(const Error& error, const std::optional<Jid>& archive, const Jid& own,
                     bool by_id) {
  if (error.code != "stanza_error") return error;
  const std::string who = is_own_archive(archive, own) ? "our server" : archive->str();
  const std::string& c = error.condition;
  std::string meaning;
  if (c == "service-unavailable")
    meaning = who + " keeps no message archive (XEP-0313) we may read";
  else if (c == "feature-not-implemented")
    // §4.1.5: also the answer to a filter field the archive does not know.
    meaning = who + " keeps no message archive (XEP-0313), or cannot filter as asked";
  else if (c == "forbidden" || c == "not-allowed" || c == "not-authorized" ||
           c == "registration-required")
    // §8.1: a members-only room's archive is for its members.
    meaning = "not allowed to read it";
  else if (c == "item-not-found")
    // §4.1.3, §4.3.2: an id that is not (or no longer) in the archive.
    meaning =
        by_id ? "a message id asked for is not (or no longer) in it" : who + " does not exist";
  else if (c == "bad-request" || c == "not-acceptable" || c == "jid-malformed")
    meaning = "it did not accept the query";
  else if (c == "resource-constraint" || c == "policy-violation")
    meaning = "it is busy or limits queries; try again later";
  else if (c == "remote-server-not-found" || c == "remote-server-timeout")
    meaning = "cannot reach " + who;
  else
    meaning = "the query failed";
  Error out = error;
  out.message = meaning + " (" + condition_and_text(error) + ")";
  return out;
}

Result<Query> parse_query(const xml::Element& iq) {
  const auto* q = iq.child("query", k_ns);
  if (q == nullptr) return bad("bad_query", "bad-request", "no urn:xmpp:mam:2 <query/>");
  Query out;
  out.queryid = q->attr("queryid").value_or("");
  out.node = q->attr("node");
  out.flip_page = q->child("flip-page", k_ns) != nullptr;
  out.page = rsm::parse_request(*q);
  const auto* form = q->child("x", k_ns_data);
  if (form == nullptr) return out;
  if (form->attr("type") != "submit")
    return bad("bad_query", "bad-request", "the filter is not a submitted form");
  bool typed = false;
  for (const auto* field : form->children("field", k_ns_data)) {
    const std::string var = field->attr("var").value_or("");
    std::vector<std::string> values;
    for (const auto* v : field->children("value", k_ns_data))
      values.push_back(v->text());
    const std::string value = values.empty() ? std::string() : values.front();
    if (var == k_form_type) {
      if (value != k_ns)
        return bad("bad_query", "bad-request", "the filter's FORM_TYPE is not urn:xmpp:mam:2");
      typed = true;
    } else if (var == "start" || var == "end") {
      auto t = time::parse_datetime(value);
      if (!t) return bad("bad_query", "bad-request", "'" + var + "' is no XEP-0082 dateTime");
      (var == "start" ? out.filter.start : out.filter.end) = *t;
    } else if (var == "with") {
      auto j = Jid::parse(value);
      if (!j) return bad("bad_query", "jid-malformed", "'with' is no JID");
      out.filter.with = std::move(*j);
    } else if (var == "after-id") {
      out.filter.after_id = value;
    } else if (var == "before-id") {
      out.filter.before_id = value;
    } else if (var == "ids") {
      out.filter.ids = std::move(values);
    } else if (var == "include-groupchat") {
      const auto b = parse_boolean(value);
      if (!b) return bad("bad_query", "bad-request", "'include-groupchat' is no boolean");
      out.filter.include_groupchat = *b;
    } else {
      // §4.1.5: "If a client includes a form field that the server does not recognise, the
      // server MUST respond with a 'feature-not-implemented' error."
      return bad("bad_query", "feature-not-implemented", "unknown filter field '" + var + "'");
    }
  }
  if (!typed) return bad("bad_query", "bad-request", "the filter has no FORM_TYPE");
  return out;
}

xml::Element make_result(const ArchivedMessage& item, std::string_view queryid) {
  xml::Element message("message", std::string(stanza::k_ns_client));
  auto& result = message.add_child(xml::Element("result", std::string(k_ns)));
  if (!queryid.empty()) result.set_attr("queryid", std::string(queryid));
  result.set_attr("id", item.id);
  auto& forwarded = result.add_child(xml::Element("forwarded", std::string(k_ns_forward)));
  if (item.stamp) forwarded.add_child(delay::make_delay({*item.stamp, std::nullopt, std::nullopt}));
  if (item.message) forwarded.add_child(*item.message);
  return message;
}

xml::Element make_fin(const Fin& fin) {
  xml::Element e("fin", std::string(k_ns));
  if (fin.complete) e.set_attr("complete", "true");
  if (!fin.stable) e.set_attr("stable", "false");
  if (fin.page) e.add_child(rsm::make_page(*fin.page));
  return e;
}

}  // namespace xmpp::mam
