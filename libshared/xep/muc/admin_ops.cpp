#include "xep/muc/admin_ops.hpp"

#include <algorithm>
#include <set>

#include "core/random.hpp"
#include "core/text.hpp"
#include "stanza/error.hpp"
#include "stanza/message.hpp"
#include "xep/disco/disco_ops.hpp"
#include "xep/disco/tree.hpp"
#include "xml/writer.hpp"

namespace xmpp::muc {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// Texts go into XML; the writer throws on what XML cannot carry (control characters).
std::optional<Error> check_text(const std::optional<std::string>& text, std::string_view what) {
  if (text && !xml::is_xml_text(*text))
    return usage_error(std::string(what) + " contains characters XML cannot carry");
  return std::nullopt;
}

/// What a refusal means for this operation, by condition; empty = the generic sentence.
struct Explain {
  std::string forbidden;
  std::string not_allowed;
  std::string conflict;
  std::string item_not_found;
  std::string not_acceptable;
};

/// A failed request turned into a sentence about the room: stanza errors keep kind, code and
/// condition, with "room R: <what it means> (<condition> (<text>))"; anything else (timeout,
/// session failure, bad reply) gets the context "room R: <what>".
Error explain(const Error& e, const Jid& room, const std::string& what, const Explain& x) {
  const std::string r = room.bare_str();
  if (e.code != "stanza_error") return e.with_context("room " + r + ": " + what);
  const std::string& c = e.condition;
  const auto pick = [](const std::string& specific, std::string generic) {
    return specific.empty() ? std::move(generic) : specific;
  };
  std::string sentence;
  if (c == "forbidden")
    sentence = "room " + r + ": " + pick(x.forbidden, "you may not " + what);
  else if (c == "not-allowed")
    sentence = "room " + r + ": " + pick(x.not_allowed, "the room does not allow " + what);
  else if (c == "conflict")
    sentence = "room " + r + ": " + pick(x.conflict, what + " conflicts with the room's state");
  else if (c == "item-not-found")
    sentence = x.item_not_found.empty() ? "room " + r + " does not exist"
                                        : "room " + r + ": " + x.item_not_found;
  else if (c == "not-acceptable")
    sentence = "room " + r + ": " + pick(x.not_acceptable, "the room did not accept " + what);
  else if (c == "bad-request")
    sentence = "room " + r + ": the room did not understand " + what;
  else if (c == "jid-malformed")
    sentence = "room " + r + ": the room found a JID or nick malformed in " + what;
  else if (c == "service-unavailable" || c == "feature-not-implemented")
    sentence = r + " is not a room, or does not support " + what;
  else if (c == "remote-server-not-found" || c == "remote-server-timeout")
    sentence = "the service of room " + r + " cannot be reached";
  else
    sentence = "room " + r + ": " + what + " failed";
  Error out = e;
  out.message = sentence + " (" + e.message + ")";
  return out;
}

/// Sends `iq` to the room and waits for its result.
awaitable<Result<xml::Element>> room_request(stream::Session& session, xml::Element iq, Jid room,
                                             std::string what, Explain x, milliseconds timeout) {
  auto reply = co_await session.request(std::move(iq), timeout);
  if (!reply) co_return fail(explain(reply.error(), room, what, x));
  co_return std::move(*reply);
}

// ---- lists -------------------------------------------------------------------------------------

awaitable<Result<std::vector<Item>>> read_list(stream::Session& session, xml::Element request,
                                               Jid room, std::string what, Explain x,
                                               milliseconds timeout) {
  auto reply = co_await room_request(session, std::move(request), room, what, x, timeout);
  if (!reply) co_return fail(reply.error());
  auto items = parse_admin_items(*reply);
  if (!items) co_return fail(items.error().with_context("room " + room.bare_str() + ": " + what));
  co_return std::move(*items);
}

awaitable<Result<std::vector<Item>>> affiliation_list(stream::Session& session, Jid room,
                                                      Affiliation affiliation,
                                                      milliseconds timeout) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  if (affiliation == Affiliation::none)
    co_return fail(usage_error("there is no list of affiliation none: ask for owner, admin, member or "
                         "outcast"));
  const bool owners_only = affiliation == Affiliation::owner || affiliation == Affiliation::admin;
  Explain x;
  // §10.5, §10.8: owners see the owner and admin lists; §9.2, §9.5: admins the others.
  x.forbidden = owners_only ? "you are not an owner" : "you are not an admin or owner";
  co_return co_await read_list(session, make_affiliation_list_request(room, affiliation), room,
                               "reading the " + std::string(to_string(affiliation)) + " list", x,
                               timeout);
}

awaitable<Result<std::vector<Item>>> role_list(stream::Session& session, Jid room, Role role,
                                               milliseconds timeout) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  if (role != Role::moderator && role != Role::participant)
    co_return fail(usage_error("there is no list of role " + std::string(to_string(role)) +
                         ": ask for moderator or participant"));
  Explain x;
  // §8.5: moderators read the voice list; §9.8: admins and owners the moderator list.
  x.forbidden =
      role == Role::participant ? "you are not a moderator" : "you are not an admin or owner";
  co_return co_await read_list(session, make_role_list_request(room, role), room,
                               "reading the " + std::string(to_string(role)) + " list", x, timeout);
}

// ---- changes -----------------------------------------------------------------------------------

std::string made_before(std::size_t done, std::size_t total) {
  if (done == 0) return {};
  return "; " + std::to_string(done) + " of " + std::to_string(total) +
         " changes were made before this one";
}

// Prosody 0.12 reads only the first <item/> of a muc#admin set and answers success for the
// whole request (muc.lib.lua handle_admin_query_set_command), so a list of several changes in one
// iq (§9.2, §9.5) would be silently cut short: each change goes in its own request, in order,
// stopping at the first refusal.
awaitable<Result<void>> change_affiliations(stream::Session& session, Jid room,
                                            std::vector<AffiliationChange> changes,
                                            milliseconds timeout) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  if (changes.empty()) co_return fail(usage_error("no affiliation to change"));
  for (const auto& c : changes) {
    if (!c.jid.is_bare())
      co_return fail(usage_error("affiliations belong to bare JIDs: use " + c.jid.bare_str() +
                           " instead of " + c.jid.str()));
    if (c.nick && c.nick->empty()) co_return fail(usage_error("an empty nick cannot be reserved"));
    if (auto e = check_text(c.nick, "the nick")) co_return fail(*e);
    if (auto e = check_text(c.reason, "the reason")) co_return fail(*e);
  }
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto& c = changes[i];
    const std::string who = c.jid.str();
    const std::string affiliation(to_string(c.affiliation));
    Explain x;
    // §10.3-§10.7: only owners grant or revoke owner and admin; §9.1-§9.4 admins the rest.
    x.forbidden = c.affiliation == Affiliation::owner || c.affiliation == Affiliation::admin
                      ? "you are not an owner"
                      : "you are not an admin or owner";
    x.not_allowed = "you may not change the affiliation of " + who +
                    " (an admin cannot change owners, admins or grant those affiliations)";
    // §10.7 (Prosody too): the last owner cannot step down.
    x.conflict = "the room must keep at least one owner";
    x.not_acceptable = "the room did not accept " + who + " as " + affiliation;
    // Named, not a temporary in the co_await: g++ 12 miscompiles initializer lists there.
    const std::vector<AffiliationChange> one{c};
    auto request = make_affiliation_request(room, one);
    auto reply = co_await room_request(session, std::move(request), room,
                                       "making " + who + " " + affiliation, x, timeout);
    if (!reply) {
      Error e = reply.error();
      e.message += made_before(i, changes.size());
      co_return fail(std::move(e));
    }
  }
  co_return Result<void>{};
}

awaitable<Result<void>> change_roles(stream::Session& session, Jid room,
                                     std::vector<RoleChange> changes, milliseconds timeout) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  if (changes.empty()) co_return fail(usage_error("no role to change"));
  for (const auto& c : changes) {
    if (c.nick.empty()) co_return fail(usage_error("a role change needs the occupant's nick"));
    if (!room.try_with_resource(c.nick))
      co_return fail(usage_error("\"" + c.nick + "\" cannot be a nick in room " + room.str()));
    if (auto e = check_text(c.reason, "the reason")) co_return fail(*e);
  }
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto& c = changes[i];
    const std::string role(to_string(c.role));
    const std::string what =
        c.role == Role::none ? "kicking " + c.nick : "making " + c.nick + " " + role;
    Explain x;
    x.forbidden =
        c.role == Role::moderator ? "you are not an admin or owner" : "you are not a moderator";
    // §8.2, §8.4, §9.7: nobody changes the role of a higher affiliation; moderator status is
    // for admins and owners to give or take (Prosody answers both with not-allowed).
    x.not_allowed = "you may not change the role of " + c.nick +
                    " (a higher affiliation, or moderator status needs an admin or owner)";
    // Prosody: item-not-found for a nick that is not in the room.
    x.item_not_found = "nobody named " + c.nick + " is in the room (or the room does not exist)";
    x.not_acceptable =
        "the room did not accept role " + role + " for " + c.nick + " (are you in the room?)";
    const std::vector<RoleChange> one{c};
    auto request = make_role_request(room, one);
    auto reply = co_await room_request(session, std::move(request), room, what, x, timeout);
    if (!reply) {
      Error e = reply.error();
      e.message += made_before(i, changes.size());
      co_return fail(std::move(e));
    }
  }
  co_return Result<void>{};
}

awaitable<Result<void>> destroy_room(stream::Session& session, Jid room, DestroyRequest request,
                                     milliseconds timeout) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  if (auto e = check_text(request.reason, "the reason")) co_return fail(*e);
  if (auto e = check_text(request.password, "the password")) co_return fail(*e);
  if (request.alternate && !request.alternate->has_local())
    co_return fail(usage_error(request.alternate->str() + " is not a room address (room@service)"));
  Explain x;
  x.forbidden = "you are not an owner";
  x.not_allowed = "the room refused to be destroyed";
  auto reply = co_await room_request(session, make_destroy_request(room, request), room,
                                     "destroying the room", x, timeout);
  if (!reply) co_return fail(reply.error());
  co_return Result<void>{};
}

// ---- subject -----------------------------------------------------------------------------------

bool is_error_answer(const xml::Element& e, const Jid& room, const std::string& id) {
  return stanza::is_message(e) && stanza::message_type(e) == stanza::MessageType::error &&
         is_from_room(e, room) && e.attr("id") == id;
}

awaitable<Result<void>> change_subject(stream::Session& session, Joined joined, std::string text,
                                       milliseconds timeout) {
  const Jid room = joined.room.bare();
  if (auto e = check_room_address(room)) co_return fail(*e);
  if (auto e = check_text(text, "the subject")) co_return fail(*e);
  const std::string id = random_id();
  const Jid occupant = joined.occupant;
  // Registered before sending: the reflection can be dispatched while send() completes, and
  // wait_for only sees what arrives after it started.
  stream::StanzaPredicate answers = [room, occupant, text, id](const xml::Element& e) {
    return is_own_subject_reflection(e, occupant, text) || is_error_answer(e, room, id);
  };
  std::optional<xml::Element> answer;
  auto subscription = session.router().on({"message", "", ""}, [&](const xml::Element& e) {
    if (!answer && answers(e)) answer = e;
  });
  const std::string what = "changing the subject";
  auto sent = co_await session.send(make_subject_message(room, text, id));
  if (!sent) co_return fail(sent.error().with_context("room " + room.bare_str() + ": " + what));
  const auto deadline = Clock::now() + timeout;
  while (!answer) {
    if (auto failure = session.failure()) co_return fail(*failure);
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    auto woke = co_await session.wait_for(answers, left);
    if (!woke && !answer && woke.error().code != "timeout") co_return fail(woke.error());
  }
  if (!answer)
    co_return fail(ErrorKind::temporary, "timeout", "",
                   "room " + room.bare_str() + " did not show the new subject within " +
                       duration_text(timeout));
  if (stanza::message_type(*answer) == stanza::MessageType::error) {
    Explain x;
    // §8.1: moderators, or participants where muc#roomconfig_changesubject allows it.
    x.forbidden = "you may not change the subject";
    x.not_acceptable = "you are not in the room";
    co_return fail(explain(stanza::to_error(*answer, ""), room, what, x));
  }
  co_return Result<void>{};
}

awaitable<Result<void>> join_and_set_subject(stream::Session& session, Jid room,
                                             JoinOptions options, std::string text) {
  OccupantList list(session, room);
  auto joined = co_await join(session, room, options);
  if (!joined) co_return fail(joined.error());
  // §7.2.15: the subject follows our self-presence; Prosody keeps who set it and reflects
  // nothing when the same occupant sets the same subject again.
  co_await list.wait_subject(session, options.timeout);
  const auto& current = list.subject();
  const bool already = current && current->text == text && current->from == joined->occupant;
  Result<void> changed;
  if (!already) changed = co_await change_subject(session, *joined, text, options.timeout);
  list.stop();
  (void)co_await leave(session, *joined, options.timeout);
  co_return changed;
}

// ---- invitations -------------------------------------------------------------------------------

awaitable<Result<void>> send_invitations(stream::Session& session, Invitation invitation,
                                         std::vector<Jid> invitees, milliseconds timeout) {
  const Jid room = invitation.room;
  if (auto e = check_room_address(room)) co_return fail(*e);
  if (invitees.empty()) co_return fail(usage_error("nobody to invite"));
  if (auto e = check_text(invitation.reason, "the reason")) co_return fail(*e);
  if (auto e = check_text(invitation.password, "the password")) co_return fail(*e);
  if (auto e = check_text(invitation.thread, "the thread")) co_return fail(*e);
  const std::string context = "inviting to room " + room.bare_str();
  if (invitation.kind == InvitationKind::mediated) {
    auto sent = co_await session.send(make_mediated_invitation(invitation, invitees, random_id()));
    if (!sent) co_return fail(sent.error().with_context(context));
  } else {
    for (const Jid& invitee : invitees) {
      auto sent = co_await session.send(make_direct_invitation(invitation, invitee, random_id()));
      if (!sent) co_return fail(sent.error().with_context(context));
    }
  }
  auto flushed = co_await session.flush(timeout);
  if (!flushed) co_return fail(flushed.error().with_context(context));
  co_return Result<void>{};
}

// ---- room information and lists ----------------------------------------------------------------

awaitable<Result<RoomInfo>> read_room_info(stream::Session& session, Jid room,
                                           milliseconds timeout) {
  if (auto e = check_room_address(room)) co_return fail(*e);
  const std::string what = "reading the room information (disco#info)";
  const Explain generic;  // named: g++ 12 frees a braced temporary in a co_await twice
  auto request = disco::make_info_request(room);
  auto reply = co_await room_request(session, std::move(request), room, what, generic, timeout);
  if (!reply) co_return fail(reply.error());
  auto info = disco::parse_info_result(*reply);
  if (!info) co_return fail(info.error().with_context("room " + room.bare_str() + ": " + what));
  co_return room_info_from_disco(room, *info);
}

awaitable<Result<disco::DiscoInfo>> no_info() {
  co_return disco::DiscoInfo{};
}

/// disco::items_all that keeps a copy of what it read in `*seen` (for RoomList's paging facts).
awaitable<Result<disco::DiscoItems>> items_noting(stream::Session& session, Jid to,
                                                  std::optional<std::string> node,
                                                  milliseconds timeout, disco::DiscoItems* seen) {
  auto items = co_await disco::items_all(session, std::move(to), std::move(node), timeout);
  if (items) *seen = *items;
  co_return items;
}

RoomListEntry entry_of(const disco::DiscoItem& item) {
  RoomListEntry entry;
  entry.jid = item.jid;
  entry.name = item.name;
  return entry;
}

awaitable<Result<RoomList>> read_rooms(stream::Session& session, Jid service, ListOptions options) {
  if (service.has_local() || !service.is_bare())
    co_return fail(usage_error(service.str() + " is not a MUC service address (a domain, e.g. "
                                         "conference.example.org)"));
  RoomList list;
  list.service = service;
  disco::DiscoItems items;
  std::set<Jid> seen;
  if (!options.with_info) {
    auto all = co_await disco::items_all(session, service, std::nullopt, options.timeout);
    if (!all) co_return fail(all.error());
    items = std::move(*all);
    for (const auto& item : items.items)
      if (seen.insert(item.jid).second) list.rooms.push_back(entry_of(item));
  } else {
    // Depth 1: the service's items, then each room's info, `concurrency` at a time. The service's
    // own info is not asked for.
    disco::InfoQuery info = [&session, service,
                             timeout = options.timeout](Jid jid, std::optional<std::string> node) {
      if (jid == service && !node) return no_info();
      return disco::info(session, std::move(jid), std::move(node), timeout);
    };
    disco::ItemsQuery items_query = [&session, timeout = options.timeout,
                                     &items](Jid jid, std::optional<std::string> node) {
      return items_noting(session, std::move(jid), std::move(node), timeout, &items);
    };
    disco::TreeOptions tree_options;
    tree_options.depth = 1;
    tree_options.concurrency = std::max<std::size_t>(1, options.concurrency);
    const disco::Tree tree = co_await disco::walk_tree(service, std::nullopt, std::move(info),
                                                       std::move(items_query), tree_options);
    if (tree.root.items_error) co_return fail(*tree.root.items_error);
    for (const auto& child : tree.root.children) {
      if (child.mark != disco::TreeMark::walked || !seen.insert(child.jid).second) continue;
      RoomListEntry entry;
      entry.jid = child.jid;
      entry.name = child.name;
      if (child.info) {
        entry.info = room_info_from_disco(child.jid, *child.info);
        entry.occupants = entry.info->occupants;
        // The room's own name (its disco#info identity) over the item's: ejabberd names items
        // "Name (N)" with the occupant count.
        if (entry.info->name) entry.name = entry.info->name;
      }
      entry.info_error = child.info_error;
      list.rooms.push_back(std::move(entry));
    }
  }
  list.skipped = items.skipped;
  list.count = items.count;
  list.truncated = items.truncated;
  co_return list;
}

// ---- occupants ---------------------------------------------------------------------------------

awaitable<Result<RoomOccupants>> visit(stream::Session& session, Jid room, JoinOptions options) {
  OccupantList list(session, room);
  auto joined = co_await join(session, room, options);
  if (!joined) co_return fail(joined.error());
  RoomOccupants out;
  out.occupants = list.occupants(*joined);
  co_await list.wait_subject(session, options.timeout);
  out.subject = list.subject();
  list.stop();
  // Leaving is a courtesy here: the list is taken, and a room that does not confirm is no
  // reason to fail (muc::leave explains why).
  (void)co_await leave(session, *joined, options.timeout);
  out.joined = std::move(*joined);
  co_return out;
}

}  // namespace

// ---- OccupantList ------------------------------------------------------------------------------

OccupantList::OccupantList(stream::Session& session, const Jid& room) : m_table(room) {
  m_presence = session.router().on(
      {"presence", "", ""}, [this](const xml::Element& presence) { m_table.apply(presence); });
  m_message = session.router().on({"message", "", "groupchat"}, [this](const xml::Element& m) {
    if (auto subject = read_subject(m, m_table.room())) m_subject = std::move(subject);
  });
}

awaitable<bool> OccupantList::wait_subject(stream::Session& session, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const Jid room = m_table.room();
  stream::StanzaPredicate is_subject = [room](const xml::Element& e) {
    return read_subject(e, room).has_value();
  };
  while (!m_subject) {
    if (session.failure()) co_return false;
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) co_return false;
    auto woke = co_await session.wait_for(is_subject, left);
    if (!woke && !m_subject && woke.error().code != "timeout") co_return false;
  }
  co_return true;
}

std::vector<Occupant> OccupantList::occupants(const Joined& joined) const {
  std::vector<Occupant> out = m_table.occupants();
  for (auto& o : out)
    o.self = o.occupant_jid == joined.occupant;
  return out;
}

// The public operations are plain functions: they copy their reference parameters into the
// coroutine while the caller's objects still live (STYLE.md "coroutine parameters by value").

awaitable<Result<std::vector<Item>>> affiliations(stream::Session& session, const Jid& room,
                                                  Affiliation affiliation, milliseconds timeout) {
  return affiliation_list(session, room, affiliation, timeout);
}

awaitable<Result<std::vector<Item>>> roles(stream::Session& session, const Jid& room, Role role,
                                           milliseconds timeout) {
  return role_list(session, room, role, timeout);
}

awaitable<Result<void>> set_affiliations(stream::Session& session, const Jid& room,
                                         std::vector<AffiliationChange> changes,
                                         milliseconds timeout) {
  return change_affiliations(session, room, std::move(changes), timeout);
}

awaitable<Result<void>> set_roles(stream::Session& session, const Jid& room,
                                  std::vector<RoleChange> changes, milliseconds timeout) {
  return change_roles(session, room, std::move(changes), timeout);
}

awaitable<Result<void>> set_role(stream::Session& session, const Jid& room, std::string nick,
                                 Role role, std::optional<std::string> reason,
                                 milliseconds timeout) {
  return change_roles(session, room, {RoleChange{std::move(nick), role, std::move(reason)}},
                      timeout);
}

awaitable<Result<void>> destroy(stream::Session& session, const Jid& room, DestroyRequest request,
                                milliseconds timeout) {
  return destroy_room(session, room, std::move(request), timeout);
}

awaitable<Result<void>> set_subject(stream::Session& session, const Joined& joined,
                                    std::string text, milliseconds timeout) {
  return change_subject(session, joined, std::move(text), timeout);
}

awaitable<Result<void>> set_room_subject(stream::Session& session, const Jid& room,
                                         JoinOptions options, std::string text) {
  return join_and_set_subject(session, room, std::move(options), std::move(text));
}

awaitable<Result<void>> invite(stream::Session& session, Invitation invitation,
                               std::vector<Jid> invitees, milliseconds timeout) {
  return send_invitations(session, std::move(invitation), std::move(invitees), timeout);
}

awaitable<Result<RoomInfo>> room_info(stream::Session& session, const Jid& room,
                                      milliseconds timeout) {
  return read_room_info(session, room, timeout);
}

awaitable<Result<RoomList>> list_rooms(stream::Session& session, const Jid& service,
                                       ListOptions options) {
  return read_rooms(session, service, options);
}

awaitable<Result<RoomOccupants>> occupants(stream::Session& session, const Jid& room,
                                           JoinOptions options) {
  return visit(session, room, std::move(options));
}

}  // namespace xmpp::muc
