// The file-name sanitiser for names peers send (XEP-0234 §5 <name/> and §13; SECURITY.md row 47,
// CVE-2021-33896): a peer's name becomes one safe path component, or an error. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace xmpp::jingle_ft {

/// The longest name we produce, in bytes (NAME_MAX of Linux file systems).
inline constexpr std::size_t k_max_name_bytes = 255;

/// Reduces a peer's file name to one path component that is safe to create inside the download
/// directory (with openat(dirfd, name, O_CREAT|O_EXCL|O_NOFOLLOW)), or fails. In order:
///   1. invalid UTF-8 is refused (a name from XML is always valid UTF-8);
///   2. control characters (C0 including NUL and ESC, DEL, C1) and the bidirectional overrides and
///      isolates (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069, which make "gpj.exe" look like
///      "exe.jpg") become '_';
///   3. the name is cut at every separator: '/', '\', U+2215 DIVISION SLASH, U+2044 FRACTION
///      SLASH and U+FF0F FULLWIDTH SOLIDUS, and only the last part is kept ("../../etc/passwd"
///      gives "passwd", "..\..\x" gives "x");
///   4. trailing dots and spaces are dropped (Windows drops them, so "x." would alias "x");
///   5. an empty result, "." or ".." is refused;
///   6. a Windows device name (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, also with an extension
///      or in any case: "con.txt") gets a '_' prefix;
///   7. a name over k_max_name_bytes bytes is cut to fit, on a UTF-8 character boundary, keeping
///      its extension (the part from the last '.', when it is at most 16 bytes and not the whole
///      name);
///   8. a leading '.' becomes '_' (".bashrc" gives "_bashrc": received into a home directory, a
///      hidden startup file would be code the next login runs).
/// Percent-encoding is NOT decoded: "%2e%2e%2fx" stays that literal, harmless name.
/// Errors, kind data, code "bad_file_name": steps 1 and 5.
/// Properties (checked by fuzz/file_name_fuzz.cpp): the result is valid UTF-8, non-empty, at most
/// 255 bytes, not "." or "..", not starting with '.', free of separators and control characters,
/// and safe_file_name(result) == result.
Result<std::string> safe_file_name(std::string_view name);

}  // namespace xmpp::jingle_ft
