// XEP-0045 Multi-User Chat (version 1.35) room configuration over a session: reading and
// submitting the owner form (§10.2), and creating a room, instant (§10.1.2) or reserved and
// configured before anyone else may enter (§10.1.3-§10.1.4, §10.1.6 on failure).
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "core/result.hpp"
#include "jid/jid.hpp"
#include "net/asio.hpp"
#include "stream/session.hpp"
#include "xep/forms/answers.hpp"
#include "xep/forms/form.hpp"
#include "xep/muc/config.hpp"
#include "xep/muc/muc_ops.hpp"

namespace xmpp::muc {

// Errors of every operation below: a room address without localpart or with a resource: kind
// usage, nothing sent. A stanza error from the room: kind remote, code "stanza_error", the
// condition kept, with a sentence about the room ("room r@svc: you are not its owner
// (forbidden)", "room r@svc does not exist (item-not-found)"). A reply without a form: kind
// protocol "bad_reply". No answer within `timeout`: kind temporary "timeout"; a failed session:
// its error.

/// The room's configuration form (§10.2 examples 163-164; an owner's, even outside the room).
awaitable<Result<forms::Form>> get_config(stream::Session& session, const Jid& room,
                                          std::chrono::milliseconds timeout);

/// Submits `form` (a filled submit form, §10.2 example 165, or forms::cancel_form(), §10.1.6);
/// success is the room's iq result.
awaitable<Result<void>> submit_config(stream::Session& session, const Jid& room, forms::Form form,
                                      std::chrono::milliseconds timeout);

/// What to answer a configuration form with, decided once the form is known (the valid vars, the
/// private fields): an error (forms::to_error, a refused secret on the command line) stops the
/// operation before anything is submitted.
using ConfigAnswers = std::function<Result<forms::Answers>(const forms::Form& form)>;

/// A configuration before and after a submission.
struct Configured {
  forms::Form before;     ///< the form as the room sent it
  forms::Form submitted;  ///< what we submitted (type submit)
  /// The form read again after the submission (what the room made of it); nullopt when that
  /// read failed (the submission itself succeeded).
  std::optional<forms::Form> after;
  /// config_changes(before, after), or (without `after`) the changes the submission asked for.
  std::vector<ConfigChange> changes;
};

/// Reads the form, fills it (forms::fill, Carry::all: the room's current values are resubmitted
/// with ours, so a room that resets what is missing keeps its settings) with `answers(form)`,
/// submits it, and reads it again. Errors: those of get_config and submit_config; of `answers`;
/// the problems of fill as forms::to_error (kind data, exit 65, naming the valid vars); nothing
/// is submitted after an answers or fill error.
awaitable<Result<Configured>> configure(stream::Session& session, const Jid& room,
                                        ConfigAnswers answers, std::chrono::milliseconds timeout);

struct CreateOptions {
  /// How to join (nick, password, timeout for each step); allow_create and instant_room are set
  /// by create_room.
  JoinOptions join;
  /// nullptr: an instant room (§10.1.2, the service's default configuration). Else the answers
  /// for the owner form of a reserved room (§10.1.3).
  ConfigAnswers answers;
  /// A room that already existed (no status 201) is success with created false, nothing changed;
  /// false: it is the error room_exists.
  bool exist_ok = false;
};

struct Created {
  Joined joined;         ///< our join (created = status 201)
  bool created = false;  ///< the room is new
  bool instant = false;  ///< new, with the default configuration
  /// The reserved room's configuration (before: the service's defaults; after: as read back).
  std::optional<Configured> configured;
  /// The configuration read back after creating an instant room, when the read succeeded.
  std::optional<forms::Form> config;
  /// Whether the room outlives its last occupant (muc#roomconfig_persistentroom as read back);
  /// nullopt when unknown.
  std::optional<bool> persistent;
};

/// Creates `room`: joins with creation allowed (muc::join, instant_room false); status 201 = new.
/// Without `options.answers` accepts the default configuration (§10.1.2); else reads the owner
/// form, fills and submits it (configure). Then leaves the room (a temporary room goes with its
/// last occupant). A room that existed: see CreateOptions::exist_ok (kind remote, code
/// "room_exists", condition conflict). When configuring fails, the half-made room is cancelled
/// (§10.1.6), destroyed (§10.9: Prosody keeps a cancelled room until its owner leaves) and left,
/// and the configuration's error returned. Errors: those of muc::join, configure, the instant
/// room request.
awaitable<Result<Created>> create_room(stream::Session& session, const Jid& room,
                                       CreateOptions options);

}  // namespace xmpp::muc
