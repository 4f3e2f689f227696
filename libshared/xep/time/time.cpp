#include "xep/time/time.hpp"

#include <cstdio>

#include "stanza/iq.hpp"

namespace xmpp::time {

namespace {

using namespace std::chrono;

tl::unexpected<Error> bad(std::string_view text, std::string_view why) {
  return fail(ErrorKind::protocol, "bad_datetime", "",
              "'" + std::string(text) + "' is not an XEP-0082 date and time: " + std::string(why));
}

/// Reads exactly `n` ASCII digits at `pos` into `out`.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string two(long v) {
  char buf[24];  // room for any long, so -O2's format-truncation analysis is satisfied
  std::snprintf(buf, sizeof buf, "%02ld", v);
  return buf;
}

/// "CCYY-MM-DDThh:mm:ss[.fff]" of a wall-clock instant (no zone designator).
std::string format_wall(Timestamp t) {
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> tod{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()),
                static_cast<long>(tod.seconds().count()));
  std::string out = buf;
  const auto us = tod.subseconds().count();
  if (us != 0) {
    if (us % 1000 == 0)
      std::snprintf(buf, sizeof buf, ".%03ld", static_cast<long>(us / 1000));
    else
      std::snprintf(buf, sizeof buf, ".%06ld", static_cast<long>(us));
    out += buf;
  }
  return out;
}

}  // namespace

Result<minutes> parse_tzo(std::string_view text) {
  if (text == "Z") return minutes{0};
  int h = 0, m = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || !digits(text, 1, 2, h) ||
      text[3] != ':' || !digits(text, 4, 2, m))
    return bad(text, "the zone must be Z or +hh:mm / -hh:mm");
  if (h > 23 || m > 59) return bad(text, "zone offset out of range");
  const minutes offset = hours{h} + minutes{m};
  return text[0] == '-' ? -offset : offset;
}

Result<Timestamp> parse_datetime(std::string_view text) {
  // XEP-0082 §3.2: CCYY-MM-DDThh:mm:ss[.sss]TZD
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digits(text, 0, 4, y) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, mo) ||
      text[7] != '-' || !digits(text, 8, 2, d) || text[10] != 'T' || !digits(text, 11, 2, h) ||
      text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' || !digits(text, 17, 2, s))
    return bad(text, "expected CCYY-MM-DDThh:mm:ss[.sss]TZD");
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad(text, "no such date");
  // Second 60 is a leap second (ISO 8601); it lands on the next minute's first second.
  if (h > 23 || mi > 59 || s > 60) return bad(text, "time of day out of range");
  std::size_t pos = 19;
  microseconds fraction{0};
  if (text[pos] == '.') {
    ++pos;
    const auto first = pos;
    long long us = 0;
    int kept = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (kept < 6) {
        us = us * 10 + (text[pos] - '0');
        ++kept;
      }
      ++pos;
    }
    if (pos == first) return bad(text, "empty fraction of a second");
    for (; kept < 6; ++kept)
      us *= 10;
    fraction = microseconds{us};
  }
  auto zone = parse_tzo(text.substr(pos));
  if (!zone) return bad(text, "the zone must be Z or +hh:mm / -hh:mm");
  const Timestamp wall = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + fraction;
  return wall - *zone;
}

std::string format_utc(Timestamp t) {
  return format_wall(t) + "Z";
}

std::string format_tzo(minutes tzo) {
  const auto magnitude = tzo < minutes{0} ? -tzo : tzo;
  return std::string(tzo < minutes{0} ? "-" : "+") + two(magnitude.count() / 60) + ":" +
         two(magnitude.count() % 60);
}

std::string format_local(const EntityTime& t) {
  return format_wall(t.utc + t.tzo) + format_tzo(t.tzo);
}

xml::Element make_request(const Jid& to, std::string id) {
  return stanza::make_iq(stanza::IqType::get, to.str(), xml::Element("time", std::string(k_ns)),
                         std::move(id));
}

bool is_request(const xml::Element& iq) {
  return stanza::is_get_of(iq, "time", k_ns);
}

Result<EntityTime> parse_result(const xml::Element& iq) {
  const auto* payload = iq.child("time", k_ns);
  if (payload == nullptr)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "entity time result without <time xmlns='urn:xmpp:time'/>");
  const auto tzo_text = payload->child_text("tzo", k_ns);
  const auto utc_text = payload->child_text("utc", k_ns);
  if (!tzo_text || !utc_text)
    return fail(ErrorKind::protocol, "bad_reply", "",
                "entity time result without <tzo/> and <utc/> (XEP-0202 §3)");
  auto tzo = parse_tzo(*tzo_text);
  if (!tzo) return fail(tzo.error());
  // XEP-0202 §3: <utc/> MUST be in UTC; a zone designator other than Z is still honoured.
  auto utc = parse_datetime(*utc_text);
  if (!utc) return fail(utc.error());
  return EntityTime{*utc, *tzo};
}

xml::Element make_result(const xml::Element& request, const EntityTime& now) {
  xml::Element payload("time", std::string(k_ns));
  payload.add_child(xml::Element("tzo", std::string(k_ns))).add_text(format_tzo(now.tzo));
  payload.add_child(xml::Element("utc", std::string(k_ns))).add_text(format_utc(now.utc));
  return stanza::make_result(request, std::move(payload));
}

}  // namespace xmpp::time
