// XEP-0363 HTTP File Upload: the codec against the spec's numbered examples (tests/fixtures/
// xep0363-*.xml) and its §5.1/§11 header rules, service discovery and the upload operation over a
// scripted session, the last with a loopback plain-HTTP server (TLS is net_http_test's subject;
// here plain http is allowed explicitly, as the product never does).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "stanza/error.hpp"
#include "stanza/iq.hpp"
#include "xep/disco/disco.hpp"
#include "xep/upload/upload.hpp"
#include "xep/upload/upload_ops.hpp"
#include "xep_examples.hpp"
#include "xep_fake_session.hpp"

using namespace xmpp;
using namespace std::chrono;
using test::canonical;
using test::example;
using test::jid;
using test::with_from;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* k_service = "upload.example.test";

struct UploadFixture {
  asio::io_context io;
  test::FakeSession session{io.get_executor(), jid("alice@example.test/cli")};
};

class TempDir {
 public:
  TempDir() {
    auto base = std::filesystem::temp_directory_path() / "xmpp-upload-test-XXXXXX";
    std::string pattern = base.string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto path = m_path / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

xml::Element slot_result(const xml::Element& iq, const std::string& put, const std::string& get,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
  xml::Element slot("slot", std::string(upload::k_ns));
  auto& p = slot.add_child(xml::Element("put", std::string(upload::k_ns)));
  p.set_attr("url", put);
  for (auto& [name, value] : headers)
    p.add_child(xml::Element("header", std::string(upload::k_ns)))
        .set_attr("name", name)
        .add_text(value);
  slot.add_child(xml::Element("get", std::string(upload::k_ns))).set_attr("url", get);
  return stanza::make_result(iq, std::move(slot));
}

// A scripted server: example.test lists conference and upload; upload.example.test is the
// upload service with a 1000-byte limit and answers slot requests with `slot`.
struct Scripted {
  std::optional<std::uint64_t> max = 1000;
  std::function<xml::Element(const xml::Element&)> slot = [](const xml::Element& iq) {
    return slot_result(iq, "https://upload.example.test/put/a", "https://upload.example.test/a");
  };

  std::optional<xml::Element> operator()(const xml::Element& iq) const {
    const auto to = iq.attr("to").value_or("");
    if (disco::is_items_request(iq) && to == "example.test") {
      disco::DiscoItems items;
      items.items = {{jid("conference.example.test"), std::nullopt, "Chatrooms"},
                     {jid("example.test"), std::string("some-node"), std::nullopt},
                     {jid("upload.example.test"), std::nullopt, std::nullopt}};
      return disco::make_items_result(iq, items);
    }
    if (disco::is_info_request(iq)) {
      disco::DiscoInfo info;
      info.features = {"http://jabber.org/protocol/disco#info"};
      if (to == k_service) {
        info.features.push_back(std::string(upload::k_ns));
        if (max)
          info.forms.push_back(disco::ExtensionForm{std::string(upload::k_ns),
                                                    {{"max-file-size", {std::to_string(*max)}}}});
      }
      return disco::make_info_result(iq, info);
    }
    if (iq.child("request", upload::k_ns) != nullptr) return slot(iq);
    return stanza::make_error_reply(iq, stanza::make_stanza_error("service-unavailable"));
  }
};

// One plain HTTP exchange on 127.0.0.1: reads the request (header and Content-Length body), answers
// `response`.
struct HttpServer {
  explicit HttpServer(asio::any_io_executor executor)
      : acceptor(executor, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  std::string base() const {
    return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  }
  awaitable<void> serve() {
    boost::system::error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::string data;
    char buf[4096];
    std::size_t length = 0;
    for (;;) {
      const auto end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        head = data.substr(0, end + 4);
        const auto at = head.find("Content-Length: ");
        if (at != std::string::npos) length = std::stoul(head.substr(at + 16));
        if (data.size() >= end + 4 + length) {
          body = data.substr(end + 4);
          break;
        }
      }
      const auto n = co_await socket.async_read_some(asio::buffer(buf),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      data.append(buf, n);
    }
    co_await asio::async_write(socket, asio::buffer(response),
                               asio::redirect_error(asio::use_awaitable, ec));
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }

  tcp::acceptor acceptor;
  std::string response = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  std::string head;
  std::string body;
};

}  // namespace

// ---- codec ----

TEST_CASE("XEP-0363 example 5 is rebuilt by make_slot_request") {
  const auto ex = example("xep0363-ex5-slot-request.xml");
  const auto* request = ex.child("request", upload::k_ns);
  REQUIRE(request != nullptr);
  CHECK(request->attr("filename") == "tr\xc3\xa8s cool.jpg");
  const auto built = upload::make_slot_request(jid(*ex.attr("to")), "tr\xc3\xa8s cool.jpg", 23456,
                                               "image/jpeg", *ex.attr("id"));
  CHECK(canonical(with_from(built, ex)) == canonical(ex));
  const auto bare = upload::make_slot_request(jid(k_service), "a.bin", 1);
  CHECK_FALSE(bare.child("request", upload::k_ns)->attr("content-type").has_value());
  CHECK_FALSE(bare.attr("id").has_value());
}

TEST_CASE("XEP-0363 example 6: the slot's URLs and headers") {
  const auto slot = upload::parse_slot(example("xep0363-ex6-slot-result.xml"));
  REQUIRE_MESSAGE(slot.has_value(), (slot ? "" : slot.error().message));
  CHECK(slot->put_url ==
        "https://upload.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg");
  CHECK(slot->get_url ==
        "https://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg");
  CHECK(slot->put_headers == std::vector<upload::Header>{{"Authorization", "Basic Base64String=="},
                                                         {"Cookie", "foo=bar; user=romeo"}});
}

TEST_CASE("XEP-0363 §5.1: only Authorization, Cookie, Expires; newlines stripped; order kept") {
  auto iq = test::parse_stanza("<iq type='result' id='s'/>");
  const auto result = slot_result(iq, "https://u.example.test/p", "https://u.example.test/g",
                                  {{"cookie", "a=1"},
                                   {"X-Evil", "1"},
                                   {"Host", "evil.test"},
                                   {"eXpires", "Tue, 01 Jan 2030 00:00:00 GMT"},
                                   {"Author\r\nization", "Bearer a\r\nX-Injected: 1"},
                                   {"Content-Length", "0"},
                                   {"Cookie", "b=2\tc"}});
  const auto slot = upload::parse_slot(result);
  REQUIRE_MESSAGE(slot.has_value(), (slot ? "" : slot.error().message));
  CHECK(slot->put_headers ==
        std::vector<upload::Header>{{"Cookie", "a=1"},
                                    {"Expires", "Tue, 01 Jan 2030 00:00:00 GMT"},
                                    {"Authorization", "Bearer aX-Injected: 1"},
                                    {"Cookie", "b=2\tc"}});

  // Control characters XML 1.0 cannot carry can still be built in memory: refused, never sent.
  auto bad = slot_result(iq, "https://u.example.test/p", "https://u.example.test/g",
                         {{"Cookie", std::string("a\x01", 2)}});
  const auto refused = upload::parse_slot(bad);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == "bad_reply");
}

TEST_CASE("XEP-0363 §4: plain http slot URLs are refused unless explicitly allowed") {
  auto iq = test::parse_stanza("<iq type='result' id='s'/>");
  for (const auto& urls : std::vector<std::pair<std::string, std::string>>{
           {"http://upload.example.test/p", "https://upload.example.test/g"},
           {"https://upload.example.test/p", "HTTP://upload.example.test:8080/g"}}) {
    CAPTURE(urls.first);
    const auto result = slot_result(iq, urls.first, urls.second);
    const auto refused = upload::parse_slot(result);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ErrorKind::no_perm);
    CHECK(refused.error().code == "insecure_upload");
    CHECK(refused.error().message.find("offered plain http") != std::string::npos);
    CHECK(refused.error().message.find("/p") == std::string::npos);  // paths are secrets
    CHECK(upload::parse_slot(result, true).has_value());
  }
}

TEST_CASE("slot results that are not slots") {
  auto iq = test::parse_stanza("<iq type='result' id='s'/>");
  CHECK(upload::parse_slot(iq).error().code == "bad_reply");
  auto no_get =
      test::parse_stanza("<iq type='result' id='s'><slot xmlns='urn:xmpp:http:upload:0'><put "
                         "url='https://a.test/p'/></slot></iq>");
  CHECK(upload::parse_slot(no_get).error().code == "bad_reply");
  auto no_put_url =
      test::parse_stanza("<iq type='result' id='s'><slot xmlns='urn:xmpp:http:upload:0'><put/><get "
                         "url='https://a.test/g'/></slot></iq>");
  CHECK(upload::parse_slot(no_put_url).error().code == "bad_reply");
  const auto bad_url =
      upload::parse_slot(slot_result(iq, "https://a.test/p q", "https://a.test/g"));
  REQUIRE_FALSE(bad_url.has_value());
  CHECK(bad_url.error().kind == ErrorKind::protocol);
  CHECK(bad_url.error().code == "bad_url");
  CHECK(upload::parse_slot(slot_result(iq, "ftp://a.test/p", "https://a.test/g")).error().code ==
        "bad_url");
}

TEST_CASE("XEP-0363 examples 11-13: errors; file-too-large carries the limit") {
  const auto too_large = example("xep0363-ex11-file-too-large.xml");
  CHECK(upload::parse_file_too_large(too_large) == 20000u);
  const auto e = stanza::to_error(too_large, "upload slot");
  CHECK(e.condition == "not-acceptable");
  CHECK_FALSE(upload::parse_file_too_large(example("xep0363-ex12-quota-retry.xml")).has_value());
  CHECK(stanza::to_error(example("xep0363-ex12-quota-retry.xml"), "").condition ==
        "resource-constraint");
  CHECK(stanza::to_error(example("xep0363-ex13-forbidden.xml"), "").condition == "forbidden");
  CHECK_FALSE(upload::parse_file_too_large(example("xep0363-ex6-slot-result.xml")).has_value());
}

TEST_CASE("file_too_large: remote, not-acceptable, sizes in the message") {
  const auto known = upload::file_too_large(17825792, 16777216);
  CHECK(known.kind == ErrorKind::remote);
  CHECK(known.code == "file_too_large");
  CHECK(known.condition == "not-acceptable");
  CHECK(known.message == "file is 17825792 bytes; the upload service accepts at most 16777216");
  CHECK(upload::file_too_large(5, std::nullopt).message ==
        "file is 5 bytes; the upload service refused it as too large");
}

TEST_CASE("XEP-0363 examples 2 and 4: the service and its max-file-size") {
  const auto items = disco::parse_items_result(example("xep0363-ex2-items-result.xml"));
  REQUIRE(items.has_value());
  CHECK(items->items.at(0).jid == jid("upload.montague.tld"));
  const auto info = disco::parse_info_result(example("xep0363-ex4-info-result.xml"));
  REQUIRE(info.has_value());
  CHECK(upload::is_upload_service(*info));
  CHECK(upload::max_file_size(*info) == 5242880u);
  CHECK(info->has_identity("store", "file"));

  disco::DiscoInfo odd = *info;
  odd.forms[0].fields["max-file-size"] = {"5 MiB"};
  CHECK_FALSE(upload::max_file_size(odd).has_value());
  odd.forms[0].fields["max-file-size"] = {" 42 "};
  CHECK(upload::max_file_size(odd) == 42u);
  odd.forms.clear();
  CHECK_FALSE(upload::max_file_size(odd).has_value());
}

TEST_CASE("guess_content_type: a short table, else application/octet-stream") {
  CHECK(upload::guess_content_type("photo.JPG") == "image/jpeg");
  CHECK(upload::guess_content_type("notes.txt") == "text/plain");
  CHECK(upload::guess_content_type("archive.tar.gz") == "application/gzip");
  CHECK(upload::guess_content_type("Makefile") == "application/octet-stream");
  CHECK(upload::guess_content_type("x.") == "application/octet-stream");
  CHECK(upload::guess_content_type("x.unknown") == "application/octet-stream");
}

// ---- find_service ----

TEST_CASE("find_service: items of our server, likely names first, the service's limit") {
  UploadFixture f;
  f.session.responder = Scripted{};
  const auto service = test::run_coroutine<Result<upload::Service>>(
      f.io, [&] { return upload::find_service(f.session, seconds(5)); });
  REQUIRE_MESSAGE(service.has_value(), (service ? "" : service.error().message));
  CHECK(service->jid == jid(k_service));
  CHECK(service->max_file_size == 1000u);
  // disco#items, then upload.example.test directly (it looks like one), nothing else.
  REQUIRE(f.session.requests.size() == 2);
  CHECK(disco::is_items_request(f.session.requests[0]));
  CHECK(f.session.requests[0].attr("to") == "example.test");
  CHECK(f.session.requests[1].attr("to") == k_service);
}

TEST_CASE("find_service: items that fail are skipped; the server itself is asked last") {
  UploadFixture f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    const auto to = iq.attr("to").value_or("");
    if (disco::is_items_request(iq)) {
      disco::DiscoItems items;
      items.items = {{jid("broken.example.test"), std::nullopt, std::nullopt},
                     {jid("files.example.test"), std::nullopt, std::nullopt},
                     {jid("bob@example.test"), std::nullopt, std::nullopt}};
      return disco::make_items_result(iq, items);
    }
    if (to == "broken.example.test")
      return stanza::make_error_reply(iq, stanza::make_stanza_error("remote-server-not-found"));
    disco::DiscoInfo info;
    if (to == "example.test") info.features = {std::string(upload::k_ns)};
    return disco::make_info_result(iq, info);
  };
  const auto service = test::run_coroutine<Result<upload::Service>>(
      f.io, [&] { return upload::find_service(f.session, seconds(5)); });
  REQUIRE_MESSAGE(service.has_value(), (service ? "" : service.error().message));
  CHECK(service->jid == jid("example.test"));
  CHECK_FALSE(service->max_file_size.has_value());
  std::vector<std::string> asked;
  for (const auto& r : f.session.requests)
    asked.push_back(r.attr("to").value_or(""));
  CHECK(asked == std::vector<std::string>{"example.test", "broken.example.test",
                                          "files.example.test", "example.test"});
}

TEST_CASE("find_service: nothing offers upload; disco#items failing is reported") {
  UploadFixture f;
  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    if (disco::is_items_request(iq)) return disco::make_items_result(iq, {});
    return disco::make_info_result(iq, {});
  };
  const auto none = test::run_coroutine<Result<upload::Service>>(
      f.io, [&] { return upload::find_service(f.session, seconds(5)); });
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().kind == ErrorKind::remote);
  CHECK(none.error().code == "no_upload_service");
  CHECK(none.error().message.find("example.test") != std::string::npos);

  f.session.responder = [](const xml::Element& iq) -> std::optional<xml::Element> {
    return stanza::make_error_reply(iq, stanza::make_stanza_error("forbidden"));
  };
  const auto refused = test::run_coroutine<Result<upload::Service>>(
      f.io, [&] { return upload::find_service(f.session, seconds(5)); });
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().condition == "forbidden");
  CHECK(refused.error().message.rfind("disco#items to example.test", 0) == 0);
}

// ---- upload_file ----

TEST_CASE("upload_file: a missing, unreadable or non-regular file is no_input; nothing is asked") {
  TempDir dir;
  UploadFixture f;
  f.session.responder = Scripted{};
  const auto unreadable = dir.write("secret.bin", "x");
  std::filesystem::permissions(unreadable, std::filesystem::perms::none);
  const bool root_reads_anyway = static_cast<bool>(std::ifstream(unreadable));
  for (const auto& path : {dir.path() / "missing.bin", dir.path(), unreadable}) {
    CAPTURE(path);
    if (path == unreadable && root_reads_anyway) continue;
    const auto result = test::run_coroutine<Result<upload::Uploaded>>(
        f.io, [&] { return upload::upload_file(f.session, path, {}); });
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == ErrorKind::no_input);
    CHECK(result.error().code == "file_unreadable");
    CHECK(result.error().message.find(path.string()) != std::string::npos);
  }
  CHECK(f.session.requests.empty());
}

TEST_CASE("upload_file: over the advertised limit fails before a slot is asked for") {
  TempDir dir;
  UploadFixture f;
  f.session.responder = Scripted{};
  const auto file = dir.write("big.bin", std::string(1001, 'x'));
  const auto result = test::run_coroutine<Result<upload::Uploaded>>(
      f.io, [&] { return upload::upload_file(f.session, file, {}); });
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == ErrorKind::remote);
  CHECK(result.error().condition == "not-acceptable");
  CHECK(result.error().message == "file is 1001 bytes; the upload service accepts at most 1000");
  for (const auto& r : f.session.requests)
    CHECK(r.child("request", upload::k_ns) == nullptr);
}

TEST_CASE("upload_file: the service's refusal keeps its condition, with context") {
  TempDir dir;
  UploadFixture f;
  Scripted script;
  script.slot = [](const xml::Element& iq) {
    return stanza::make_error_reply(
        iq, stanza::make_stanza_error("forbidden", "Only premium members are allowed"));
  };
  f.session.responder = script;
  const auto file = dir.write("a.txt", "hello");
  const auto result = test::run_coroutine<Result<upload::Uploaded>>(
      f.io, [&] { return upload::upload_file(f.session, file, {}); });
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == ErrorKind::remote);
  CHECK(result.error().condition == "forbidden");
  CHECK(result.error().message ==
        "upload slot from upload.example.test: forbidden (Only premium members are allowed)");
}

TEST_CASE("upload_file: an http slot is refused before any connection") {
  TempDir dir;
  UploadFixture f;
  Scripted script;
  script.slot = [](const xml::Element& iq) {
    return slot_result(iq, "http://127.0.0.1:9/put", "http://127.0.0.1:9/get");
  };
  f.session.responder = script;
  const auto file = dir.write("a.txt", "hello");
  const auto result = test::run_coroutine<Result<upload::Uploaded>>(
      f.io, [&] { return upload::upload_file(f.session, file, {}); });
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == ErrorKind::no_perm);
  CHECK(result.error().code == "insecure_upload");
  CHECK(result.error().message.rfind("upload slot from upload.example.test: the upload service "
                                     "offered plain http",
                                     0) == 0);
}

TEST_CASE("upload_file: slot request, PUT with the slot's headers, the GET URL back") {
  TempDir dir;
  UploadFixture f;
  HttpServer http(f.io.get_executor());
  asio::co_spawn(f.io, http.serve(), asio::detached);
  Scripted script;
  const std::string base = http.base();
  script.slot = [base](const xml::Element& iq) {
    return slot_result(iq, base + "/put/r%C3%A9sum%C3%A9.txt?token=s3cret",
                       "https://files.example.test/get/r%C3%A9sum%C3%A9.txt",
                       {{"Authorization", "Bearer t"}, {"X-Other", "dropped"}});
  };
  f.session.responder = script;
  const auto file = dir.write("r\xc3\xa9sum\xc3\xa9.txt", "hello upload");
  upload::UploadOptions options;
  options.allow_plain_http = true;
  std::uint64_t last_progress = 0;
  options.progress = [&](std::uint64_t sent, std::uint64_t) { last_progress = sent; };
  const auto result = test::run_coroutine<Result<upload::Uploaded>>(
      f.io, [&] { return upload::upload_file(f.session, file, options); });
  REQUIRE_MESSAGE(result.has_value(), (result ? "" : result.error().message));
  CHECK(result->get_url == "https://files.example.test/get/r%C3%A9sum%C3%A9.txt");
  CHECK(result->size == 12);
  CHECK(result->filename == "r\xc3\xa9sum\xc3\xa9.txt");
  CHECK(result->content_type == "text/plain");
  CHECK(result->service == jid(k_service));
  CHECK(result->http_status == 201);
  CHECK(last_progress == 12);

  const xml::Element* request = nullptr;
  for (const auto& r : f.session.requests)
    if (const auto* req = r.child("request", upload::k_ns)) request = req;
  REQUIRE(request != nullptr);
  CHECK(request->attr("filename") == "r\xc3\xa9sum\xc3\xa9.txt");  // never the directory
  CHECK(request->attr("size") == "12");
  CHECK(request->attr("content-type") == "text/plain");

  CHECK(http.head.rfind("PUT /put/r%C3%A9sum%C3%A9.txt?token=s3cret HTTP/1.1\r\n", 0) == 0);
  CHECK(http.head.find("\r\nAuthorization: Bearer t\r\n") != std::string::npos);
  CHECK(http.head.find("X-Other") == std::string::npos);
  CHECK(http.head.find("\r\nContent-Type: text/plain\r\n") != std::string::npos);
  CHECK(http.body == "hello upload");
}

TEST_CASE("upload_file: an HTTP status other than 200/201 is remote http_status, path hidden") {
  TempDir dir;
  UploadFixture f;
  HttpServer http(f.io.get_executor());
  http.response = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n";
  asio::co_spawn(f.io, http.serve(), asio::detached);
  Scripted script;
  const std::string base = http.base();
  script.slot = [base](const xml::Element& iq) {
    return slot_result(iq, base + "/put/secret-path", "https://files.example.test/get/x");
  };
  f.session.responder = script;
  const auto file = dir.write("a b.bin", "hello");
  upload::UploadOptions options;
  options.allow_plain_http = true;
  options.service = jid(k_service);  // no discovery: straight to the slot
  options.content_type = "application/x-test";
  const auto result = test::run_coroutine<Result<upload::Uploaded>>(
      f.io, [&] { return upload::upload_file(f.session, file, options); });
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == ErrorKind::remote);
  CHECK(result.error().code == "http_status");
  CHECK(result.error().message == "HTTP upload to " + base + ": 413 Payload Too Large");
  REQUIRE(f.session.requests.size() == 1);
  CHECK(f.session.requests[0].child("request", upload::k_ns)->attr("content-type") ==
        "application/x-test");
}

TEST_CASE("upload_file: names XML cannot carry are made safe; bad options are usage errors") {
  TempDir dir;
  UploadFixture f;
  Scripted script;
  script.slot = [](const xml::Element& iq) {
    return stanza::make_error_reply(iq, stanza::make_stanza_error("forbidden"));
  };
  f.session.responder = script;
  const auto odd = dir.write(std::string("a\x01\xff\nb.txt"), "x");
  const auto result = test::run_coroutine<Result<upload::Uploaded>>(
      f.io, [&] { return upload::upload_file(f.session, odd, {}); });
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().condition == "forbidden");
  const auto& slot_request = f.session.requests.back();
  REQUIRE(slot_request.child("request", upload::k_ns) != nullptr);
  CHECK(slot_request.child("request", upload::k_ns)->attr("filename") == "a___b.txt");

  const auto plain = dir.write("plain.txt", "x");
  upload::UploadOptions bad_name;
  bad_name.filename = "a\nb";
  const auto r1 = test::run_coroutine<Result<upload::Uploaded>>(
      f.io, [&] { return upload::upload_file(f.session, plain, bad_name); });
  REQUIRE_FALSE(r1.has_value());
  CHECK(r1.error().code == "bad_filename");
  for (const char* type : {"text/plain\r\nX: y", "text/plain\x7f", ""}) {
    CAPTURE(type);
    upload::UploadOptions bad_type;
    bad_type.content_type = type;
    const auto r2 = test::run_coroutine<Result<upload::Uploaded>>(
        f.io, [&] { return upload::upload_file(f.session, plain, bad_type); });
    REQUIRE_FALSE(r2.has_value());
    CHECK(r2.error().kind == ErrorKind::usage);
    CHECK(r2.error().code == "bad_content_type");
  }
}
