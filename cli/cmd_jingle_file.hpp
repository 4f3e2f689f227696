// `xmpp jingle-file send JID FILE...` and `xmpp jingle-file receive` (CLI.md "jingle-file", issue
// 9): peer-to-peer files over Jingle (XEP-0166/0234), SOCKS5 bytestreams (XEP-0260) with the IBB
// fallback (XEP-0261). The protocol is libshared/xep/jingle_ft's transfer engine; this is the
// command: which peer, which files, where they go, who may send, progress, exit codes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "output.hpp"
#include "xep/jingle_ft/transfer_ops.hpp"

namespace xmpp::cli {

/// Files are read and written, and the transport fed, in blocks this large: one buffer for the
/// whole run, no allocation per block.
inline constexpr std::size_t k_transfer_block = 256 * 1024;

struct JingleFileArgs {
  std::string action;  ///< "send" or "receive"
  // both
  std::optional<std::string> proxy;  ///< --proxy JID: the SOCKS5 proxy (default: discovered)
  bool no_proxy = false;             ///< --no-proxy: offer no proxy candidate
  bool no_direct = false;            ///< --no-direct: offer no direct candidate
  bool allow_local = false;          ///< --allow-local-candidates (SECURITY.md row 45)
  // send
  std::string target;              ///< JID: bare (a resource is chosen) or full
  std::vector<std::string> files;  ///< FILE...
  std::string transport = "auto";  ///< --transport auto|s5b|ibb
  std::optional<std::string> description;
  // receive
  std::string dir = ".";                ///< --dir
  std::vector<std::string> from;        ///< --from JID (repeatable); empty: account + roster
  int count = 0;                        ///< --count N; 0 = until interrupted or --timeout
  std::optional<std::string> max_size;  ///< --max-size BYTES[k|M|G]
  bool overwrite = false;               ///< --overwrite
  bool keep_partial = false;            ///< --keep-partial: keep NAME.part, resume from it
};

/// Sends each FILE to JID, one after another: exit 0 only when the peer confirmed every file's
/// hash; 1 when the peer declined or reported a mismatch; 66 for an unreadable file (before
/// anything is sent); 75 on timeout or a lost connection.
awaitable<Outcome> run_jingle_file_send(Context& ctx, JingleFileArgs args);

/// Receives offered files into --dir until --count files were handled, the deadline, or Ctrl-C:
/// exit 0 when every accepted file arrived and verified; 65 when a hash did not match; 73 when a
/// file could not be created (exists without --overwrite); 1 when a transfer failed otherwise.
awaitable<Outcome> run_jingle_file_receive(Context& ctx, JingleFileArgs args);

/// The SOCKS5 side of either end from the options: the proxy (--proxy, else the one our server
/// lists, found by disco; none with --no-proxy or when there is none: -v says why), direct
/// candidates on this host's addresses (none with --no-direct; 127.0.0.1 too and the peer's local
/// candidates dialled with --allow-local-candidates).
awaitable<jingle_ft::S5bOptions> s5b_settings(Context& ctx, stream::Session& session,
                                              const JingleFileArgs& args);

/// "1048576", "512k", "10M", "2G" (powers of 1024, case-insensitive suffix) -> bytes.
/// Errors: kind usage "bad_size".
Result<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace xmpp::cli
