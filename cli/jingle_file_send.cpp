#include "cmd_jingle_file.hpp"

namespace xmpp::cli {

awaitable<Outcome> run_jingle_file_send(Context&, JingleFileArgs) {
  co_return Outcome::failure(make_error(ErrorKind::software, "not_implemented", "",
                                        "jingle-file send: not implemented yet"));
}

}  // namespace xmpp::cli
