#include "cmd_jingle_file.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include <fmt/format.h>

#include "commands.hpp"
#include "xep/jingle_ft/jingle_ft.hpp"
#include "xep/s5b/jingle_s5b_ops.hpp"
#include "xep/s5b/s5b_ops.hpp"

namespace xmpp::cli {

namespace {

/// Finding our server's SOCKS5 proxy (disco#items, then disco#info of each).
constexpr std::chrono::milliseconds k_proxy_lookup{10000};

void add_s5b_options(CLI::App* sub, JingleFileArgs& args) {
  sub->add_option("--proxy", args.proxy,
                  "offer this SOCKS5 proxy (default: the one our server lists, XEP-0065)")
      ->type_name("JID")
      ->check(jid_validator());
  sub->add_flag("--no-proxy", args.no_proxy, "offer no proxy candidate");
  sub->add_flag("--no-direct", args.no_direct,
                "offer no direct candidate (behind NAT: only the proxy, then IBB)");
  sub->add_flag("--allow-local-candidates", args.allow_local,
                "offer and dial loopback and private addresses (same host or LAN)");
}

void add_footer(CLI::App* sub) {
  sub->footer("The global options (see xmpp --help) may stand before or after the command.\n"
              "More: man xmpp-jingle-file");
}

}  // namespace

awaitable<jingle_ft::S5bOptions> s5b_settings(Context& ctx, stream::Session& session,
                                              const JingleFileArgs& args) {
  jingle_ft::S5bOptions options;
  options.direct = !args.no_direct;
  if (options.direct) {
    options.addresses = s5b::interface_addresses();
    if (args.allow_local) options.addresses.push_back(asio::ip::address_v4::loopback());
    if (options.addresses.empty()) {
      ctx.note("no network address to offer a direct candidate on (--allow-local-candidates "
               "offers 127.0.0.1)");
      options.direct = false;
    }
  }
  options.negotiate.allow_local = args.allow_local;
  if (args.no_proxy) co_return options;
  if (args.proxy) {
    auto proxy = Jid::parse(*args.proxy);
    if (proxy) options.proxy = std::move(*proxy);  // checked by the option's validator
    co_return options;
  }
  auto domain = Jid::parse(session.jid().domain());
  if (!domain) co_return options;
  const auto timeout = std::min(k_proxy_lookup, ctx.remaining());
  auto proxy = co_await s5b::find_proxy(session, *domain, timeout);
  if (proxy) {
    ctx.note(fmt::format("SOCKS5 proxy: {}", escape_terminal(proxy->str())));
    options.proxy = std::move(*proxy);
  } else {
    ctx.note(fmt::format("no SOCKS5 proxy: {}", proxy.error().message));
  }
  co_return options;
}

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  const auto bad = [&] {
    return fail(ErrorKind::usage, "bad_size", "",
                fmt::format("--max-size {}: give bytes, or a number with k, M or G", text));
  };
  std::uint64_t unit = 1;
  std::string_view digits = text;
  if (!digits.empty()) {
    switch (digits.back()) {
    case 'k':
    case 'K':
      unit = 1ULL << 10;
      break;
    case 'm':
    case 'M':
      unit = 1ULL << 20;
      break;
    case 'g':
    case 'G':
      unit = 1ULL << 30;
      break;
    default:
      break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  if (digits.empty() || digits.size() > 19) return bad();
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return bad();
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > jingle_ft::k_max_size / unit) return bad();
  return value * unit;
}

Runner setup_jingle_file(CLI::App& command) {
  auto args = std::make_shared<JingleFileArgs>();
  command.require_subcommand(1);
  auto* send = command.add_subcommand("send", "send files to a JID, each verified by the peer");
  send->add_option("JID", args->target,
                   "the receiver: a full JID, or a bare JID (its resource that takes files)")
      ->required()
      ->check(jid_validator());
  send->add_option("FILE", args->files, "the files to send, one after another")
      ->required()
      ->type_name("FILE");
  send->add_option("--transport", args->transport,
                   "auto: SOCKS5, falling back to in-band; s5b or ibb alone (default auto)")
      ->type_name("TRANSPORT")
      ->check(CLI::IsMember({"auto", "s5b", "ibb"}));
  send->add_option("--description", args->description, "a description sent with each file")
      ->type_name("TEXT");
  add_s5b_options(send, *args);
  add_footer(send);
  send->parse_complete_callback([args] { args->action = "send"; });

  auto* receive =
      command.add_subcommand("receive", "receive offered files into a directory, verified");
  receive->add_option("--dir", args->dir, "where files go (default: the current directory)")
      ->type_name("DIR");
  receive
      ->add_option("--from", args->from,
                   "only from JID; bare: any resource (repeatable; default: own account, roster)")
      ->type_name("JID")
      ->check(jid_validator());
  receive->add_option("--count", args->count, "exit after N files")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000000).description(""));
  receive
      ->add_option("--max-size", args->max_size,
                   "decline larger files; suffixes k, M, G are powers of 1024")
      ->type_name("BYTES");
  receive->add_flag("--overwrite", args->overwrite, "replace an existing file of the same name");
  receive->add_flag("--keep-partial", args->keep_partial,
                    "keep a broken file as NAME.part; resume it when offered again");
  add_s5b_options(receive, *args);
  add_footer(receive);
  receive->parse_complete_callback([args] { args->action = "receive"; });

  return [args](Context& ctx) -> awaitable<Outcome> {
    if (args->action == "send") return run_jingle_file_send(ctx, *args);
    return run_jingle_file_receive(ctx, *args);
  };
}

}  // namespace xmpp::cli
