// The `xmpp` binary: run the command line, map any escaped exception to exit 70 (STYLE.md "Errors
// and output": exceptions are bugs, caught once here). The XML library is initialised by the
// first parser (xml/init.hpp), so --help, --version and usage errors never pay for it.
#include <chrono>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app.hpp"
#include "exit_codes.hpp"
#include "stream/session.hpp"
#include "terminal_colour.hpp"

int main(int argc, char** argv) {
  // --timing counts from here (the dynamic loader's work before main is not measured).
  const auto started = std::chrono::steady_clock::now();
  using namespace xmpp;
  const std::vector<std::string> args(argv + 1, argv + argc);
  cli::decide_stderr_colour();
  try {
    cli::Io io{std::cout, std::cerr, cli::tty_prompt, [](stream::SessionOptions options) {
                 return stream::Session::open(std::move(options));
               }};
    io.started = started;
    return cli::run_main(args, cli::Environment::from_process(), io);
  } catch (const std::exception& e) {
    cli::print_error(make_error(ErrorKind::software, "internal", "",
                                std::string("internal error (a bug): ") + e.what()),
                     cli::wants_json(args), std::cerr);
  } catch (...) {
    cli::print_error(make_error(ErrorKind::software, "internal", "",
                                "internal error (a bug): unknown exception"),
                     cli::wants_json(args), std::cerr);
  }
  return cli::exit_code(ErrorKind::software);
}
