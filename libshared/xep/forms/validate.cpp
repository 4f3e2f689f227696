#include "xep/forms/validate.hpp"

#include <regex.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "jid/jid.hpp"
#include "xep/forms/form.hpp"
#include "xml/writer.hpp"

namespace xmpp::forms {
namespace {

constexpr std::string_view k_xs = "xs:";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// XML Schema Part 2 §4.3.6: every type checked here but xs:string has whiteSpace "collapse", so
// surrounding whitespace is not part of the value.
std::string_view trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// Reads the decimal digits at the front of `s`, saturating at 2^20.
std::uint64_t take_count(std::string_view& s) {
  std::uint64_t n = 0;
  while (!s.empty() && is_digit(s.front())) {
    n = std::min<std::uint64_t>(n * 10 + static_cast<std::uint64_t>(s.front() - '0'), 1U << 20);
    s.remove_prefix(1);
  }
  return n;
}

std::string_view local_name(std::string_view datatype) {
  return datatype.substr(0, k_xs.size()) == k_xs ? datatype.substr(k_xs.size())
                                                 : std::string_view();
}

// ---- decimals and integers (§3.2.3, §3.3.13 and the types derived from integer) ---------------

/// A decimal number in canonical parts: digits of the integer part without leading zeros, of
/// the fraction without trailing zeros; zero is never negative.
struct Decimal {
  bool negative = false;
  std::string whole;
  std::string fraction;
};

std::optional<Decimal> parse_decimal(std::string_view s, bool allow_fraction) {
  Decimal d;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    d.negative = s.front() == '-';
    s.remove_prefix(1);
  }
  const auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (dot != std::string_view::npos && !allow_fraction) return std::nullopt;
  if (whole.empty() && fraction.empty()) return std::nullopt;
  if (!std::all_of(whole.begin(), whole.end(), is_digit) ||
      !std::all_of(fraction.begin(), fraction.end(), is_digit))
    return std::nullopt;
  while (!whole.empty() && whole.front() == '0')
    whole.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0')
    fraction.remove_suffix(1);
  d.whole = whole;
  d.fraction = fraction;
  if (d.whole.empty() && d.fraction.empty()) d.negative = false;
  return d;
}

int compare(const Decimal& a, const Decimal& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int magnitude = 0;
  if (a.whole.size() != b.whole.size())
    magnitude = a.whole.size() < b.whole.size() ? -1 : 1;
  else if (const int c = a.whole.compare(b.whole); c != 0)
    magnitude = c < 0 ? -1 : 1;
  else if (const int f = a.fraction.compare(b.fraction); f != 0)
    // Without trailing zeros, digit strings order as the fractions they spell.
    magnitude = f < 0 ? -1 : 1;
  return a.negative ? -magnitude : magnitude;
}

/// xs:integer and the types XML Schema Part 2 §3.3 derives from it, with their bounds.
struct IntegerType {
  std::string_view name;
  std::string_view min;  ///< empty: unbounded
  std::string_view max;
};

constexpr std::array<IntegerType, 13> k_integer_types{{
    {"integer", "", ""},
    {"long", "-9223372036854775808", "9223372036854775807"},
    {"int", "-2147483648", "2147483647"},
    {"short", "-32768", "32767"},
    {"byte", "-128", "127"},
    {"nonNegativeInteger", "0", ""},
    {"positiveInteger", "1", ""},
    {"nonPositiveInteger", "", "0"},
    {"negativeInteger", "", "-1"},
    {"unsignedLong", "0", "18446744073709551615"},
    {"unsignedInt", "0", "4294967295"},
    {"unsignedShort", "0", "65535"},
    {"unsignedByte", "0", "255"},
}};

const IntegerType* integer_type(std::string_view name) {
  for (const auto& t : k_integer_types)
    if (t.name == name) return &t;
  return nullptr;
}

std::optional<std::string> check_integer(const IntegerType& type, std::string_view value) {
  const auto d = parse_decimal(value, false);
  if (!d) return "not an integer";
  if (!type.min.empty() && compare(*d, *parse_decimal(type.min, false)) < 0)
    return "below the smallest xs:" + std::string(type.name) + " (" + std::string(type.min) + ")";
  if (!type.max.empty() && compare(*d, *parse_decimal(type.max, false)) > 0)
    return "above the largest xs:" + std::string(type.name) + " (" + std::string(type.max) + ")";
  return std::nullopt;
}

// ---- floating point (§3.2.4 float, §3.2.5 double) ---------------------------------------------

std::optional<double> parse_double(std::string_view s) {
  if (s == "INF") return std::numeric_limits<double>::infinity();
  if (s == "-INF") return -std::numeric_limits<double>::infinity();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  // The lexical form is a decimal mantissa with an optional exponent; from_chars alone would also
  // take "inf", "nan" and hexadecimal forms.
  std::string_view m = s;
  if (!m.empty() && (m.front() == '+' || m.front() == '-')) m.remove_prefix(1);
  const auto e = m.find_first_of("eE");
  std::string_view exponent = e == std::string_view::npos ? std::string_view() : m.substr(e + 1);
  if (e != std::string_view::npos) {
    if (!exponent.empty() && (exponent.front() == '+' || exponent.front() == '-'))
      exponent.remove_prefix(1);
    if (exponent.empty() || !std::all_of(exponent.begin(), exponent.end(), is_digit))
      return std::nullopt;
  }
  if (!parse_decimal(m.substr(0, e), true)) return std::nullopt;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  // Out of range is still a valid literal: XML Schema rounds it to ±INF or ±0, by whether its
  // decimal exponent is positive.
  if (ec == std::errc::result_out_of_range) {
    const auto mantissa = *parse_decimal(m.substr(0, e), true);
    std::int64_t magnitude = static_cast<std::int64_t>(mantissa.whole.size());
    if (mantissa.whole.empty())
      magnitude = -static_cast<std::int64_t>(mantissa.fraction.find_first_not_of('0'));
    std::string_view digits = exponent;
    const auto power = static_cast<std::int64_t>(take_count(digits));
    const bool negative_power = e != std::string_view::npos && m.substr(e + 1, 1) == "-";
    const bool huge = magnitude + (negative_power ? -power : power) > 0;
    const bool negative = s.front() == '-';
    if (huge)
      return negative ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity();
    return negative ? -0.0 : 0.0;
  }
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// ---- date and time (§3.2.7 dateTime, §3.2.8 time, §3.2.9 date) --------------------------------

/// A point in time: seconds from 1970-01-01T00:00:00Z and the decimal digits of the fraction of
/// a second (no trailing zeros), so that order is exact.
struct Instant {
  std::int64_t seconds = 0;
  std::string fraction;
};

int compare(const Instant& a, const Instant& b) {
  if (a.seconds != b.seconds) return a.seconds < b.seconds ? -1 : 1;
  const int f = a.fraction.compare(b.fraction);
  return f < 0 ? -1 : (f > 0 ? 1 : 0);
}

/// Reads exactly `n` digits from the front of `s`.
std::optional<int> take_digits(std::string_view& s, std::size_t n) {
  if (s.size() < n) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[i])) return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  s.remove_prefix(n);
  return value;
}

bool take(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(std::int64_t year, int month) {
  static constexpr std::array<int, 12> k_days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : k_days[static_cast<std::size_t>(month - 1)];
}

// Days from 1970-01-01 in the proleptic Gregorian calendar (the civil-from-days inverse of
// H. Hinnant's "chrono-compatible low-level date algorithms").
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

using Check = std::optional<std::string>;

/// '-'? yyyy '-' mm '-' dd: XML Schema years have at least four digits, no leading zero beyond
/// four, and no year 0000 (§3.2.7.1). Years of more than nine digits are refused here so that
/// the arithmetic cannot overflow.
Check take_date(std::string_view& s, std::int64_t& days) {
  const bool negative = take(s, '-');
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n]))
    ++n;
  if (n < 4) return "expected a year of at least four digits";
  if (n > 4 && s.front() == '0') return "a year of more than four digits has no leading zero";
  if (n > 9) return "year out of the supported range";
  std::int64_t year = 0;
  for (std::size_t i = 0; i < n; ++i)
    year = year * 10 + (s[i] - '0');
  s.remove_prefix(n);
  if (year == 0) return "there is no year 0000";
  if (negative) year = 1 - year;  // XML Schema 1.0: -0001 is the year before 0001
  if (!take(s, '-')) return "expected '-' after the year";
  const auto month = take_digits(s, 2);
  if (!month || !take(s, '-')) return "expected a two-digit month and '-'";
  if (*month < 1 || *month > 12) return "month " + std::to_string(*month) + " out of range";
  const auto day = take_digits(s, 2);
  if (!day) return "expected a two-digit day";
  if (*day < 1 || *day > days_in_month(year, *month))
    return "day " + std::to_string(*day) + " out of range";
  days = days_from_civil(year, *month, *day);
  return std::nullopt;
}

/// hh ':' mm ':' ss ('.' s+)?; 24:00:00 is the end of the day (§3.2.8).
Check take_time(std::string_view& s, Instant& t) {
  const auto h = take_digits(s, 2);
  if (!h || !take(s, ':')) return "expected hh:mm:ss";
  const auto m = take_digits(s, 2);
  if (!m || !take(s, ':')) return "expected hh:mm:ss";
  const auto sec = take_digits(s, 2);
  if (!sec) return "expected hh:mm:ss";
  std::string fraction;
  if (take(s, '.')) {
    std::size_t n = 0;
    while (n < s.size() && is_digit(s[n]))
      ++n;
    if (n == 0) return "expected digits after '.'";
    fraction = s.substr(0, n);
    s.remove_prefix(n);
    while (!fraction.empty() && fraction.back() == '0')
      fraction.pop_back();
  }
  if (*m > 59 || *sec > 59) return "minutes or seconds out of range";
  if (*h > 24 || (*h == 24 && (*m != 0 || *sec != 0 || !fraction.empty())))
    return "hour out of range";
  t.seconds += *h * 3600 + *m * 60 + *sec;
  t.fraction = std::move(fraction);
  return std::nullopt;
}

/// ('Z' | ('+'|'-') hh ':' mm)? up to ±14:00; the rest of `s` must be empty.
Check take_zone(std::string_view& s, Instant& t) {
  if (s.empty()) return std::nullopt;  // no time zone: compared as UTC
  if (s == "Z") {
    s.remove_prefix(1);
    return std::nullopt;
  }
  const bool plus = take(s, '+');
  if (!plus && !take(s, '-')) return "unexpected text after the value";
  const auto h = take_digits(s, 2);
  if (!h || !take(s, ':')) return "expected a time zone as Z or ±hh:mm";
  const auto m = take_digits(s, 2);
  if (!m || !s.empty()) return "expected a time zone as Z or ±hh:mm";
  if (*m > 59 || *h > 14 || (*h == 14 && *m != 0)) return "time zone out of range";
  const int offset = *h * 3600 + *m * 60;
  t.seconds += plus ? -offset : offset;
  return std::nullopt;
}

enum class Temporal { date, time, date_time };

std::optional<Temporal> temporal_type(std::string_view name) {
  if (name == "date") return Temporal::date;
  if (name == "time") return Temporal::time;
  if (name == "dateTime") return Temporal::date_time;
  return std::nullopt;
}

Check parse_temporal(Temporal type, std::string_view s, Instant& t) {
  std::int64_t days = 0;
  if (type != Temporal::time) {
    if (auto e = take_date(s, days)) return e;
    t.seconds = days * 86400;
  }
  if (type == Temporal::date_time && !take(s, 'T')) return "expected 'T' between date and time";
  if (type != Temporal::date) {
    if (auto e = take_time(s, t)) return e;
  }
  return take_zone(s, t);
}

// ---- anyURI (§3.2.17) and language (§3.3.3) ---------------------------------------------------

Check check_uri(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c == 0x7f) return "a URI has no spaces or control characters";
    if (c == '%' && (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])))
      return "'%' must start a %XX escape";
  }
  // RFC 3986 §3.1 and §4.2: a colon before any '/', '?' or '#' ends a scheme, which starts with a
  // letter; a relative reference cannot have one there.
  const auto colon = s.find(':');
  if (colon != std::string_view::npos && colon < s.find_first_of("/?#")) {
    const auto scheme = s.substr(0, colon);
    if (scheme.empty() || !is_alpha(scheme.front()) ||
        !std::all_of(scheme.begin(), scheme.end(), [](char c) {
          return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
        }))
      return "'" + std::string(scheme) + "' is not a URI scheme";
  }
  return std::nullopt;
}

// [a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*
Check check_language(std::string_view s) {
  bool first = true;
  while (true) {
    const auto dash = s.find('-');
    const auto part = s.substr(0, dash);
    if (part.empty() || part.size() > 8 || !std::all_of(part.begin(), part.end(), [&](char c) {
          return is_alpha(c) || (!first && is_digit(c));
        }))
      return "not a language tag (RFC 3066, e.g. en or en-GB)";
    if (dash == std::string_view::npos) return std::nullopt;
    s.remove_prefix(dash + 1);
    first = false;
  }
}

// ---- regex (XEP-0122 §3.2.4: POSIX extended regular expressions) -------------------------------

// The pattern comes from the form's sender. Bounded repeats are expanded by regcomp, so nested
// ones multiply ((a{1000}){1000} is a million nodes); refuse patterns whose repeat counts
// multiply beyond this. Back-references (not ERE, but glibc takes them) can make matching
// exponential; such patterns are skipped too.
constexpr std::size_t k_max_pattern_bytes = 1024;
constexpr std::uint64_t k_max_repeat_product = 100000;

bool pattern_is_tame(std::string_view p) {
  if (p.size() > k_max_pattern_bytes) return false;
  std::uint64_t product = 1;
  while (!p.empty()) {
    const char c = p.front();
    p.remove_prefix(1);
    if (c == '\\' && !p.empty()) {
      if (is_digit(p.front())) return false;
      p.remove_prefix(1);
      continue;
    }
    if (c != '{') continue;
    // {m}, {m,} or {m,n}: the largest count is what regcomp copies.
    std::uint64_t count = take_count(p);
    if (take(p, ',') && !p.empty() && is_digit(p.front())) count = take_count(p);
    product *= std::max<std::uint64_t>(count, 1);
    if (product > k_max_repeat_product) return false;
  }
  return true;
}

/// Whether `value` matches all of `pattern`; nullopt when the pattern is skipped.
std::optional<bool> regex_matches(std::string_view pattern, std::string_view value) {
  if (!pattern_is_tame(pattern)) return std::nullopt;
  // XML Schema patterns (which XEP-0122's datatypes come from) match the whole value; POSIX
  // matches anywhere, so anchor it.
  const std::string anchored = "^(" + std::string(pattern) + ")$";
  regex_t re;
  if (regcomp(&re, anchored.c_str(), REG_EXTENDED | REG_NOSUB) != 0) return std::nullopt;
  const std::string text(value);
  const int rc = regexec(&re, text.c_str(), 0, nullptr, 0);
  regfree(&re);
  return rc == 0;
}

std::optional<std::size_t> parse_count(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  const auto s = trim(*text);
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

constexpr std::array<std::pair<Method, std::string_view>, 4> k_methods{{
    {Method::basic, "basic"},
    {Method::open, "open"},
    {Method::range, "range"},
    {Method::regex, "regex"},
}};

}  // namespace

std::string_view Validation::effective_datatype() const {
  return datatype ? std::string_view(*datatype) : k_default_datatype;
}

std::optional<Validation> parse_validation(const xml::Element& field) {
  const auto* v = field.child("validate", k_ns_validate);
  if (v == nullptr) return std::nullopt;
  Validation out;
  out.datatype = v->attr("datatype");
  for (const auto* child : v->elements()) {
    const auto& name = child->name();
    if (name == "list-range") {
      if (!out.list_range)
        out.list_range =
            ListRange{parse_count(child->attr("min")), parse_count(child->attr("max"))};
      continue;
    }
    if (out.method != Method::none) continue;
    for (const auto& [method, method_name] : k_methods) {
      if (name != method_name) continue;
      out.method = method;
      if (method == Method::range) out.range = Range{child->attr("min"), child->attr("max")};
      if (method == Method::regex) out.regex = child->text();
    }
  }
  return out;
}

xml::Element to_element(const Validation& validation) {
  const std::string ns(k_ns_validate);
  xml::Element out("validate", ns);
  if (validation.datatype) out.set_attr("datatype", *validation.datatype);
  for (const auto& [method, name] : k_methods) {
    if (method != validation.method) continue;
    auto& child = out.add_child(xml::Element(std::string(name), ns));
    if (method == Method::range) {
      if (validation.range.min) child.set_attr("min", *validation.range.min);
      if (validation.range.max) child.set_attr("max", *validation.range.max);
    }
    if (method == Method::regex && !validation.regex.empty()) child.add_text(validation.regex);
  }
  if (validation.list_range) {
    auto& child = out.add_child(xml::Element("list-range", ns));
    if (validation.list_range->min)
      child.set_attr("min", std::to_string(*validation.list_range->min));
    if (validation.list_range->max)
      child.set_attr("max", std::to_string(*validation.list_range->max));
  }
  return out;
}

bool is_known_datatype(std::string_view datatype) {
  const auto name = local_name(datatype);
  return name == "string" || name == "boolean" || name == "decimal" || name == "double" ||
         name == "float" || name == "anyURI" || name == "language" ||
         integer_type(name) != nullptr || temporal_type(name).has_value();
}

std::optional<std::string> check_datatype(std::string_view datatype, std::string_view value) {
  if (!is_known_datatype(datatype)) return std::nullopt;  // XEP-0122 §4.1: as xs:string
  const auto name = local_name(datatype);
  if (name == "string") return std::nullopt;
  const auto s = trim(value);
  if (name == "boolean") {
    if (parse_boolean(s)) return std::nullopt;
    return "expected 0, 1, true or false";
  }
  if (name == "decimal") {
    if (parse_decimal(s, true)) return std::nullopt;
    return "not a decimal number";
  }
  if (name == "double" || name == "float") {
    if (parse_double(s)) return std::nullopt;
    return "not a floating-point number (e.g. 1.5, -2E3, INF, NaN)";
  }
  if (const auto* integer = integer_type(name)) return check_integer(*integer, s);
  if (const auto temporal = temporal_type(name)) {
    Instant t;
    if (auto e = parse_temporal(*temporal, s, t)) {
      static constexpr std::array<std::string_view, 3> k_shapes{
          "YYYY-MM-DD", "hh:mm:ss", "YYYY-MM-DDThh:mm:ss[.s][Z|±hh:mm]"};
      return "not an xs:" + std::string(name) + " (" +
             std::string(k_shapes[static_cast<std::size_t>(*temporal)]) + "): " + *e;
    }
    return std::nullopt;
  }
  if (name == "anyURI") return check_uri(s);
  return check_language(s);
}

std::optional<int> compare_values(std::string_view datatype, std::string_view a,
                                  std::string_view b) {
  const auto name = local_name(datatype);
  const auto x = trim(a);
  const auto y = trim(b);
  if (check_datatype(datatype, x) || check_datatype(datatype, y)) return std::nullopt;
  if (name == "decimal" || integer_type(name) != nullptr) {
    const bool fraction = name == "decimal";
    return compare(*parse_decimal(x, fraction), *parse_decimal(y, fraction));
  }
  if (name == "double" || name == "float") {
    const double dx = *parse_double(x);
    const double dy = *parse_double(y);
    if (std::isnan(dx) || std::isnan(dy)) return std::nullopt;
    return dx < dy ? -1 : (dx > dy ? 1 : 0);
  }
  if (const auto temporal = temporal_type(name)) {
    Instant tx;
    Instant ty;
    (void)parse_temporal(*temporal, x, tx);
    (void)parse_temporal(*temporal, y, ty);
    return compare(tx, ty);
  }
  return std::nullopt;
}

std::optional<std::string> check_validation(const Validation& validation, std::string_view value) {
  const auto datatype = validation.effective_datatype();
  if (auto e = check_datatype(datatype, value)) return e;
  if (validation.method == Method::range) {
    const auto& r = validation.range;
    // A bound that is not a value of the datatype cannot be compared with: ignored (the sender's
    // mistake; §4.4: the processor validates anyway). So are NaN and unordered datatypes.
    if (r.min) {
      const auto c = compare_values(datatype, value, *r.min);
      if (c && *c < 0) return "below the minimum " + *r.min;
    }
    if (r.max) {
      const auto c = compare_values(datatype, value, *r.max);
      if (c && *c > 0) return "above the maximum " + *r.max;
    }
  }
  if (validation.method == Method::regex) {
    const auto matches = regex_matches(validation.regex, value);
    if (matches && !*matches) return "does not match the pattern " + validation.regex;
  }
  return std::nullopt;
}

std::optional<bool> parse_boolean(std::string_view text) {
  if (text == "1" || text == "true") return true;
  if (text == "0" || text == "false") return false;
  return std::nullopt;
}

std::optional<std::string> check_field_value(const Field& field, std::string_view value) {
  if (!xml::is_xml_text(value))
    return "not text XML can carry (control characters or invalid UTF-8)";
  const auto type = field.effective_type();
  if (type == FieldType::fixed || type == FieldType::hidden || value.empty()) return std::nullopt;
  if (type != FieldType::text_multi && value.find_first_of("\r\n") != std::string_view::npos)
    return std::string("a ") + std::string(to_string(type)) + " field takes one line";
  if (type == FieldType::boolean && !parse_boolean(value)) return "expected 0, 1, true or false";
  if (type == FieldType::jid_single || type == FieldType::jid_multi) {
    const auto jid = Jid::parse(value);
    if (!jid) return "not a JID: " + jid.error().message;
  }
  if (field.validation) return check_validation(*field.validation, value);
  return std::nullopt;
}

bool is_closed_list(const Field& field) {
  const auto type = field.effective_type();
  if (type != FieldType::list_single && type != FieldType::list_multi) return false;
  if (field.options.empty()) return false;
  // XEP-0122 §3.2: on a list, any method but <basic/> implies <open/>.
  return !field.validation || field.validation->method == Method::none ||
         field.validation->method == Method::basic;
}

bool is_option(const Field& field, std::string_view value) {
  return std::any_of(field.options.begin(), field.options.end(),
                     [&](const Option& o) { return o.value == value; });
}

}  // namespace xmpp::forms
