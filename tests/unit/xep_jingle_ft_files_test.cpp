// XEP-0234 files on disk: the receiving IncomingFile (temporary name, declared-size cap, hash
// check, no-overwrite rename, symlinks never followed, partial files and resume: SECURITY.md rows
// 47 and 48) and the sending describe_file / OutgoingFile (offer description, ranges, hashing,
// files that change under us). Every test works in its own mkdtemp'd directory under /tmp.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "xep/hashes/hashes.hpp"
#include "xep/jingle_ft/file_reader.hpp"
#include "xep/jingle_ft/file_writer.hpp"

using namespace xmpp;
using jingle_ft::IncomingFile;
using jingle_ft::OutgoingFile;
using jingle_ft::WriterOptions;
namespace fs = std::filesystem;

namespace {

/// A fresh directory under /tmp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/xmpp-jingle-ft-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

/// The names in `dir`, hidden ones included.
std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.insert(entry.path().filename());
  return names;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  // Not istreambuf_iterator: g++ 12 at -O2 warns -Wnull-dereference inside it.
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void spill(const fs::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  REQUIRE(out.good());
}

/// `n` bytes that differ from position to position (every byte value occurs).
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>((i * 7 + i / 251) & 0xFF);
  return s;
}

hashes::Hash sha256_of(std::string_view data) {
  auto digest = hashes::digest(hashes::Algorithm::sha_256, data);
  REQUIRE(digest);
  return hashes::Hash{"sha-256", *digest};
}

/// Writes `data` in chunks of `chunk` bytes; every write must succeed.
void write_in_chunks(IncomingFile& file, std::string_view data, std::size_t chunk) {
  for (std::size_t at = 0; at < data.size(); at += chunk) {
    const auto part = data.substr(at, chunk);
    REQUIRE(file.write(std::span<const char>(part.data(), part.size())));
  }
}

std::span<const char> span_of(std::string_view s) {
  return {s.data(), s.size()};
}

}  // namespace

// ---- IncomingFile ----

TEST_CASE("IncomingFile: the bytes arrive exactly, under a hidden temporary name, then renamed") {
  TempDir dir;
  const std::string data = pattern(200 * 1024 + 17);
  auto file = IncomingFile::create(dir.path(), "report.bin", data.size(), sha256_of(data));
  REQUIRE(file);
  CHECK(file->name() == "report.bin");
  CHECK(file->offset() == 0);

  // While receiving: one hidden file ".report.bin.xmpp-<16 random>", mode 0600, no final name.
  const auto during = entries(dir.path());
  REQUIRE(during.size() == 1);
  const std::string temp = *during.begin();
  CHECK(temp.rfind(".report.bin.xmpp-", 0) == 0);
  CHECK(temp.size() == std::string(".report.bin.xmpp-").size() + 16);
  struct stat st {};
  REQUIRE(::lstat((dir.path() / temp).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  write_in_chunks(*file, data, 4096);
  CHECK(file->size() == data.size());
  const auto received = file->finish();
  REQUIRE(received);
  CHECK(received->path == dir.path() / "report.bin");
  CHECK(received->size == data.size());
  CHECK(received->verified);
  CHECK(received->hash == sha256_of(data));
  CHECK(entries(dir.path()) == std::set<std::string>{"report.bin"});
  CHECK(slurp(received->path) == data);

  // Finished is final.
  CHECK(file->finish().error().code == "finished");
  CHECK(file->write(span_of("x")).error().code == "finished");
}

TEST_CASE("IncomingFile: without an expected hash the file is kept unverified, sha-256 computed") {
  TempDir dir;
  auto file = IncomingFile::create(dir.path(), "empty", 0, std::nullopt);
  REQUIRE(file);
  const auto received = file->finish();
  REQUIRE(received);
  CHECK_FALSE(received->verified);
  CHECK(received->hash == sha256_of(""));
  CHECK(slurp(dir.path() / "empty").empty());
}

TEST_CASE("IncomingFile: a hash mismatch leaves nothing behind (row 48), even with keep_partial") {
  TempDir dir;
  const std::string data = pattern(5000);
  auto wrong = sha256_of(data);
  wrong.digest[0] = static_cast<char>(wrong.digest[0] ^ 1);
  auto file = IncomingFile::create(dir.path(), "x.iso", data.size(), wrong,
                                   WriterOptions{.keep_partial = true});
  REQUIRE(file);
  write_in_chunks(*file, data, 1000);
  const auto received = file->finish();
  REQUIRE_FALSE(received);
  CHECK(received.error().kind == ErrorKind::data);
  CHECK(received.error().code == "hash_mismatch");
  CHECK(received.error().message.find("x.iso") != std::string::npos);
  CHECK(entries(dir.path()).empty());
  CHECK(file->abort());
  CHECK(entries(dir.path()).empty());
}

TEST_CASE("IncomingFile: an expected hash we cannot compute is refused before anything is made") {
  TempDir dir;
  auto sha1 = IncomingFile::create(dir.path(), "a", 1, hashes::Hash{"sha-1", std::string(20, 'x')});
  REQUIRE_FALSE(sha1);
  CHECK(sha1.error().code == "hash_unsupported");
  auto short_digest =
      IncomingFile::create(dir.path(), "a", 1, hashes::Hash{"sha-256", std::string(20, 'x')});
  REQUIRE_FALSE(short_digest);
  CHECK(short_digest.error().code == "hash_unsupported");
  CHECK(entries(dir.path()).empty());
}

TEST_CASE("IncomingFile: more than the declared size is refused and poisons the file (row 48)") {
  TempDir dir;
  auto file = IncomingFile::create(dir.path(), "small.txt", 10, std::nullopt);
  REQUIRE(file);
  REQUIRE(file->write(span_of("12345678")));
  const auto more = file->write(span_of("90abc"));
  REQUIRE_FALSE(more);
  CHECK(more.error().kind == ErrorKind::data);
  CHECK(more.error().code == "too_much_data");
  CHECK(file->size() == 8);  // nothing of the refused chunk was written
  // Even a chunk that fits now is refused, and so is finishing.
  CHECK(file->write(span_of("90")).error().code == "too_much_data");
  CHECK(file->finish().error().code == "too_much_data");
  CHECK_FALSE(fs::exists(dir.path() / "small.txt"));
  CHECK(file->abort());
  CHECK(entries(dir.path()).empty());

  auto huge = IncomingFile::create(dir.path(), "huge", jingle_ft::k_max_size + 1, std::nullopt);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code == "too_large");
}

TEST_CASE("IncomingFile: a short file is an error, and abort() then removes the temporary") {
  TempDir dir;
  {
    auto file = IncomingFile::create(dir.path(), "half", 100, std::nullopt);
    REQUIRE(file);
    REQUIRE(file->write(span_of(pattern(40))));
    const auto received = file->finish();
    REQUIRE_FALSE(received);
    CHECK(received.error().kind == ErrorKind::data);
    CHECK(received.error().code == "short_file");
    CHECK(received.error().message == "half: 40 bytes of 100");
    CHECK(entries(dir.path()).size() == 1);
    const auto aborted = file->abort();
    REQUIRE(aborted);
    CHECK_FALSE(aborted->has_value());
    CHECK(entries(dir.path()).empty());
  }
  {
    // The destructor without finish() is abort().
    auto file = IncomingFile::create(dir.path(), "dropped", 100, std::nullopt);
    REQUIRE(file);
    REQUIRE(file->write(span_of(pattern(40))));
    CHECK(entries(dir.path()).size() == 1);
  }
  CHECK(entries(dir.path()).empty());
}

TEST_CASE("IncomingFile: \"../../etc/passwd\" lands as \"passwd\" inside the directory (row 47)") {
  TempDir dir;
  for (const char* offered : {"../../etc/passwd", "/etc/passwd", "..\\..\\passwd"}) {
    CAPTURE(offered);
    auto file = IncomingFile::create(dir.path(), offered, 4, std::nullopt,
                                     WriterOptions{.overwrite = true});
    REQUIRE(file);
    CHECK(file->name() == "passwd");
    REQUIRE(file->write(span_of("root")));
    const auto received = file->finish();
    REQUIRE(received);
    CHECK(received->path == dir.path() / "passwd");
    CHECK(entries(dir.path()) == std::set<std::string>{"passwd"});
  }
  auto dots = IncomingFile::create(dir.path(), "..", 4, std::nullopt);
  REQUIRE_FALSE(dots);
  CHECK(dots.error().code == "bad_file_name");
}

TEST_CASE("IncomingFile: an existing file is never overwritten, unless overwrite") {
  TempDir dir;
  spill(dir.path() / "a.txt", "old");

  // Refused before anything is received.
  auto early = IncomingFile::create(dir.path(), "a.txt", 3, std::nullopt);
  REQUIRE_FALSE(early);
  CHECK(early.error().kind == ErrorKind::cant_create);
  CHECK(early.error().code == "file_exists");
  CHECK(entries(dir.path()) == std::set<std::string>{"a.txt"});

  // The name appears while receiving: the rename refuses to replace it.
  auto late = IncomingFile::create(dir.path(), "b.txt", 3, std::nullopt);
  REQUIRE(late);
  REQUIRE(late->write(span_of("new")));
  spill(dir.path() / "b.txt", "old");
  const auto refused = late->finish();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "file_exists");
  CHECK(slurp(dir.path() / "b.txt") == "old");
  CHECK(late->abort());
  CHECK(entries(dir.path()) == std::set<std::string>{"a.txt", "b.txt"});

  auto replace = IncomingFile::create(dir.path(), "a.txt", 3, sha256_of("new"),
                                      WriterOptions{.overwrite = true});
  REQUIRE(replace);
  REQUIRE(replace->write(span_of("new")));
  REQUIRE(replace->finish());
  CHECK(slurp(dir.path() / "a.txt") == "new");
  CHECK(entries(dir.path()) == std::set<std::string>{"a.txt", "b.txt"});
}

TEST_CASE("IncomingFile: a symlink planted at the final name is never followed") {
  TempDir dir;
  TempDir outside;
  const fs::path target = outside.path() / "victim";
  spill(target, "secret");
  const fs::path dangling = outside.path() / "created-through-link";

  // Planted before: refused as an existing name.
  fs::create_symlink(target, dir.path() / "x.txt");
  auto before = IncomingFile::create(dir.path(), "x.txt", 4, std::nullopt);
  REQUIRE_FALSE(before);
  CHECK(before.error().code == "file_exists");

  // Planted during the transfer, dangling: the rename refuses, nothing is created through it.
  auto during = IncomingFile::create(dir.path(), "y.txt", 4, std::nullopt);
  REQUIRE(during);
  REQUIRE(during->write(span_of("evil")));
  fs::create_symlink(dangling, dir.path() / "y.txt");
  CHECK(during->finish().error().code == "file_exists");
  CHECK(during->abort());
  CHECK_FALSE(fs::exists(dangling));

  // With overwrite the link itself is replaced by the file; its target is untouched.
  auto replace =
      IncomingFile::create(dir.path(), "x.txt", 4, std::nullopt, WriterOptions{.overwrite = true});
  REQUIRE(replace);
  REQUIRE(replace->write(span_of("evil")));
  REQUIRE(replace->finish());
  CHECK(fs::is_regular_file(fs::symlink_status(dir.path() / "x.txt")));
  CHECK(slurp(dir.path() / "x.txt") == "evil");
  CHECK(slurp(target) == "secret");
  CHECK(entries(outside.path()) == std::set<std::string>{"victim"});
}

TEST_CASE("IncomingFile: keep_partial then resume gives the whole file with the right hash") {
  TempDir dir;
  const std::string data = pattern(300 * 1024 + 5);
  const std::size_t first = 123 * 1000;
  {
    auto file = IncomingFile::create(dir.path(), "movie.mp4", data.size(), sha256_of(data),
                                     WriterOptions{.keep_partial = true});
    REQUIRE(file);
    write_in_chunks(*file, std::string_view(data).substr(0, first), 4096);
    const auto kept = file->abort();
    REQUIRE(kept);
    REQUIRE(kept->has_value());
    CHECK(**kept == dir.path() / "movie.mp4.part");
  }
  CHECK(entries(dir.path()) == std::set<std::string>{"movie.mp4.part"});
  CHECK(fs::file_size(dir.path() / "movie.mp4.part") == first);

  // A resume that breaks off again keeps the partial file (it was there before).
  {
    auto file = IncomingFile::create(dir.path(), "movie.mp4", data.size(), sha256_of(data),
                                     WriterOptions{.resume = true});
    REQUIRE(file);
    CHECK(file->offset() == first);
    write_in_chunks(*file, std::string_view(data).substr(first, 1000), 1000);
  }
  CHECK(entries(dir.path()) == std::set<std::string>{"movie.mp4.part"});
  CHECK(fs::file_size(dir.path() / "movie.mp4.part") == first + 1000);

  auto file = IncomingFile::create(dir.path(), "movie.mp4", data.size(), sha256_of(data),
                                   WriterOptions{.keep_partial = true, .resume = true});
  REQUIRE(file);
  CHECK(file->offset() == first + 1000);
  CHECK(file->size() == first + 1000);
  write_in_chunks(*file, std::string_view(data).substr(first + 1000), 8192);
  const auto received = file->finish();
  REQUIRE(received);
  CHECK(received->verified);
  CHECK(received->hash == sha256_of(data));
  CHECK(entries(dir.path()) == std::set<std::string>{"movie.mp4"});
  CHECK(slurp(dir.path() / "movie.mp4") == data);
}

TEST_CASE("IncomingFile: resume edge cases") {
  TempDir dir;
  TempDir outside;

  SUBCASE("no partial file: a fresh transfer from offset 0") {
    auto file =
        IncomingFile::create(dir.path(), "f", 3, std::nullopt, WriterOptions{.resume = true});
    REQUIRE(file);
    CHECK(file->offset() == 0);
    REQUIRE(file->write(span_of("abc")));
    REQUIRE(file->finish());
    CHECK(slurp(dir.path() / "f") == "abc");
  }
  SUBCASE("a symlink planted as the partial file is refused") {
    spill(outside.path() / "victim", "ab");
    fs::create_symlink(outside.path() / "victim", dir.path() / "f.part");
    auto file =
        IncomingFile::create(dir.path(), "f", 3, std::nullopt, WriterOptions{.resume = true});
    REQUIRE_FALSE(file);
    CHECK(file.error().code == "bad_partial");
    CHECK(slurp(outside.path() / "victim") == "ab");
  }
  SUBCASE("a hard-linked partial file is refused") {
    spill(outside.path() / "victim", "ab");
    std::error_code ec;
    fs::create_hard_link(outside.path() / "victim", dir.path() / "f.part", ec);
    if (!ec) {
      auto file =
          IncomingFile::create(dir.path(), "f", 3, std::nullopt, WriterOptions{.resume = true});
      REQUIRE_FALSE(file);
      CHECK(file.error().code == "bad_partial");
    }
  }
  SUBCASE("a partial file longer than the offer is refused") {
    spill(dir.path() / "f.part", "abcd");
    auto file =
        IncomingFile::create(dir.path(), "f", 3, std::nullopt, WriterOptions{.resume = true});
    REQUIRE_FALSE(file);
    CHECK(file.error().code == "bad_partial");
  }
  SUBCASE("a bad resumed file is removed on a hash mismatch") {
    spill(dir.path() / "f.part", "xy");
    auto file =
        IncomingFile::create(dir.path(), "f", 3, sha256_of("abc"), WriterOptions{.resume = true});
    REQUIRE(file);
    CHECK(file->offset() == 2);
    REQUIRE(file->write(span_of("c")));
    CHECK(file->finish().error().code == "hash_mismatch");
    CHECK(entries(dir.path()).empty());
  }
  SUBCASE("keep_partial with nothing received keeps nothing") {
    auto file =
        IncomingFile::create(dir.path(), "f", 3, std::nullopt, WriterOptions{.keep_partial = true});
    REQUIRE(file);
    const auto kept = file->abort();
    REQUIRE(kept);
    CHECK_FALSE(kept->has_value());
    CHECK(entries(dir.path()).empty());
  }
  SUBCASE("keep_partial never clobbers an existing partial file") {
    spill(dir.path() / "f.part", "old");
    auto file =
        IncomingFile::create(dir.path(), "f", 3, std::nullopt, WriterOptions{.keep_partial = true});
    REQUIRE(file);
    REQUIRE(file->write(span_of("ne")));
    const auto kept = file->abort();
    REQUIRE(kept);
    REQUIRE(kept->has_value());
    CHECK((*kept)->filename().string().rfind(".f.xmpp-", 0) == 0);
    CHECK(slurp(dir.path() / "f.part") == "old");
    CHECK(slurp(**kept) == "ne");
  }
}

TEST_CASE("IncomingFile: names near NAME_MAX still fit as temporary and partial names") {
  TempDir dir;
  const std::string name = std::string(250, 'n') + ".txt";  // 254 bytes
  auto file =
      IncomingFile::create(dir.path(), name, 2, std::nullopt, WriterOptions{.keep_partial = true});
  REQUIRE(file);
  REQUIRE(file->write(span_of("ok")));
  const auto kept = file->abort();
  REQUIRE(kept);
  REQUIRE(kept->has_value());
  CHECK((*kept)->filename().string().size() == 255);
  CHECK(jingle_ft::partial_file_name(name) == std::string(250, 'n') + ".part");
  // A multi-byte character is never split: "a" and 126 two-byte characters (253 bytes) cut to
  // 250 bytes would end inside one, so 249 are kept.
  std::string wide = "a";
  for (int i = 0; i < 126; ++i)
    wide += "\xC3\xA9";
  CHECK(jingle_ft::partial_file_name(wide) == wide.substr(0, 249) + ".part");
}

TEST_CASE("IncomingFile: a directory that does not exist is a cant_create error") {
  TempDir dir;
  auto file = IncomingFile::create(dir.path() / "missing", "f", 1, std::nullopt);
  REQUIRE_FALSE(file);
  CHECK(file.error().kind == ErrorKind::cant_create);
  CHECK(file.error().code == "cannot_open_dir");
}

// ---- describe_file and OutgoingFile ----

TEST_CASE("media_type_for: a small extension table, octet-stream for the rest") {
  CHECK(jingle_ft::media_type_for("notes.txt") == "text/plain");
  CHECK(jingle_ft::media_type_for("Report.PDF") == "application/pdf");
  CHECK(jingle_ft::media_type_for("photo.jpeg") == "image/jpeg");
  CHECK(jingle_ft::media_type_for("photo.JPG") == "image/jpeg");
  CHECK(jingle_ft::media_type_for("backup.tar.gz") == "application/gzip");
  CHECK(jingle_ft::media_type_for("song.mp3") == "audio/mpeg");
  CHECK(jingle_ft::media_type_for("clip.mp4") == "video/mp4");
  CHECK(jingle_ft::media_type_for("data.json") == "application/json");
  CHECK(jingle_ft::media_type_for("Makefile") == "application/octet-stream");
  CHECK(jingle_ft::media_type_for(".bashrc") == "application/octet-stream");
  CHECK(jingle_ft::media_type_for("x.unknown") == "application/octet-stream");
  CHECK(jingle_ft::media_type_for("trailing.") == "application/octet-stream");
}

TEST_CASE("describe_file: name, size, date, media type and sha-256 of a local file") {
  TempDir dir;
  const std::string data = pattern(70000);
  const fs::path path = dir.path() / "notes.txt";
  spill(path, data);
  // mtime 2021-03-04T05:06:07.5Z: the date is written in whole seconds.
  const struct timespec times[2] = {{1614834367, 0}, {1614834367, 500000000}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);

  const auto file = jingle_ft::describe_file(path);
  REQUIRE(file);
  CHECK(file->name == "notes.txt");
  CHECK(file->size == data.size());
  CHECK(file->date == "2021-03-04T05:06:07Z");
  CHECK(file->media_type == "text/plain");
  REQUIRE(file->hashes.size() == 1);
  CHECK(file->hashes[0] == sha256_of(data));
  CHECK_FALSE(file->range);

  const auto unhashed = jingle_ft::describe_file(path, jingle_ft::DescribeOptions{.hash = false});
  REQUIRE(unhashed);
  CHECK(unhashed->hashes.empty());

  const auto sha512 = jingle_ft::describe_file(
      path, jingle_ft::DescribeOptions{.algorithm = hashes::Algorithm::sha_512});
  REQUIRE(sha512);
  REQUIRE(sha512->hashes.size() == 1);
  CHECK(sha512->hashes[0].algo == "sha-512");
  CHECK(sha512->hashes[0].digest == *hashes::digest(hashes::Algorithm::sha_512, data));

  // A symlink to a regular file is fine: the user named it; the name is the link's.
  fs::create_symlink(path, dir.path() / "link.bin");
  const auto linked = jingle_ft::describe_file(dir.path() / "link.bin");
  REQUIRE(linked);
  CHECK(linked->name == "link.bin");
  CHECK(linked->media_type == "application/octet-stream");
  CHECK(linked->size == data.size());
}

TEST_CASE("describe_file and OutgoingFile: only regular files are sent") {
  TempDir dir;
  const auto directory = jingle_ft::describe_file(dir.path());
  REQUIRE_FALSE(directory);
  CHECK(directory.error().kind == ErrorKind::usage);
  CHECK(directory.error().code == "not_a_file");
  CHECK(directory.error().message ==
        dir.path().string() + " is a directory; only regular " + "files can be sent");

  // A FIFO is refused without being opened (an open would block for a writer).
  const fs::path fifo = dir.path() / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto pipe = jingle_ft::describe_file(fifo);
  REQUIRE_FALSE(pipe);
  CHECK(pipe.error().code == "not_a_file");
  CHECK(pipe.error().message.find("a FIFO") != std::string::npos);
  CHECK(OutgoingFile::open(fifo).error().code == "not_a_file");

  const auto device = jingle_ft::describe_file("/dev/null");
  REQUIRE_FALSE(device);
  CHECK(device.error().message.find("a device") != std::string::npos);

  const auto missing = jingle_ft::describe_file(dir.path() / "missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::no_input);
  CHECK(missing.error().code == "no_such_file");
  CHECK(OutgoingFile::open(dir.path() / "missing").error().kind == ErrorKind::no_input);
}

TEST_CASE("OutgoingFile: a range is read into the caller's buffer and hashed") {
  TempDir dir;
  const std::string data = pattern(1000);
  const fs::path path = dir.path() / "f.bin";
  spill(path, data);

  auto file = OutgoingFile::open(path, jingle_ft::ReadRange{100, 300}, data.size());
  REQUIRE(file);
  CHECK(file->file_size() == 1000);
  CHECK(file->offset() == 100);
  CHECK(file->length() == 300);
  CHECK(file->hash().error().code == "not_at_end");

  std::vector<char> buffer(128);
  std::string sent;
  std::vector<std::size_t> sizes;
  for (;;) {
    const auto n = file->read(buffer);
    REQUIRE(n);
    if (*n == 0) break;
    sizes.push_back(*n);
    sent.append(buffer.data(), *n);
  }
  CHECK(sizes == std::vector<std::size_t>{128, 128, 44});
  CHECK(sent == data.substr(100, 300));
  CHECK(file->done() == 300);
  CHECK(file->at_end());
  const auto hash = file->hash();
  REQUIRE(hash);
  CHECK(*hash == sha256_of(data.substr(100, 300)));
  CHECK(*file->hash() == *hash);  // asked twice, same answer

  // The whole file with one large read; an offset alone runs to the end.
  auto whole = OutgoingFile::open(path);
  REQUIRE(whole);
  std::vector<char> big(64 * 1024);
  CHECK(*whole->read(big) == 1000);
  CHECK(*whole->read(big) == 0);
  CHECK(*whole->hash() == sha256_of(data));
  auto tail = OutgoingFile::open(path, jingle_ft::ReadRange{990, std::nullopt});
  REQUIRE(tail);
  CHECK(tail->length() == 10);

  // Ranges that do not fit the file.
  CHECK(OutgoingFile::open(path, jingle_ft::ReadRange{1001, std::nullopt}).error().code ==
        "bad_range");
  CHECK(OutgoingFile::open(path, jingle_ft::ReadRange{900, 101}).error().code == "bad_range");
  CHECK(OutgoingFile::open(path, jingle_ft::ReadRange{1000, 0}));
}

TEST_CASE("OutgoingFile: a file that changed since the offer, or while sent, is an error") {
  TempDir dir;
  const fs::path path = dir.path() / "f.bin";
  spill(path, pattern(1000));

  const auto offered_other = OutgoingFile::open(path, {}, 999);
  REQUIRE_FALSE(offered_other);
  CHECK(offered_other.error().kind == ErrorKind::data);
  CHECK(offered_other.error().code == "file_changed");

  SUBCASE("grown while sent") {
    auto file = OutgoingFile::open(path, {}, 1000);
    REQUIRE(file);
    std::vector<char> buffer(600);
    REQUIRE(file->read(buffer));
    {
      std::ofstream out(path, std::ios::binary | std::ios::app);
      out << "more";
    }
    const auto rest = file->read(buffer);
    REQUIRE_FALSE(rest);
    CHECK(rest.error().code == "file_changed");
    CHECK(file->read(buffer).error().code == "file_changed");
    CHECK(file->hash().error().code == "file_changed");
  }
  SUBCASE("shrunk while sent") {
    auto file = OutgoingFile::open(path, {}, 1000);
    REQUIRE(file);
    std::vector<char> buffer(600);
    REQUIRE(file->read(buffer));
    fs::resize_file(path, 700);
    const auto rest = file->read(buffer);
    REQUIRE_FALSE(rest);
    CHECK(rest.error().code == "file_changed");
    CHECK(rest.error().message.find("shrank") != std::string::npos);
  }
}

// ---- moving ----

TEST_CASE("IncomingFile move-assignment: the target gives up its own file and takes the other") {
  TempDir dir;
  const std::string data = pattern(5000);
  auto first = IncomingFile::create(dir.path(), "first.bin", 10, std::nullopt);
  auto second = IncomingFile::create(dir.path(), "second.bin", data.size(), sha256_of(data));
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(entries(dir.path()).size() == 2);  // both temporaries
  write_in_chunks(*second, data.substr(0, 1000), 300);

  *first = std::move(*second);  // first.bin's temporary is removed (an abort), second's kept
  REQUIRE(entries(dir.path()).size() == 1);
  CHECK(entries(dir.path()).begin()->rfind(".second.bin.xmpp-", 0) == 0);
  CHECK(first->name() == "second.bin");
  CHECK(first->size() == 1000);
  write_in_chunks(*first, data.substr(1000), 700);
  const auto received = first->finish();
  REQUIRE(received);
  CHECK(received->verified);
  CHECK(slurp(dir.path() / "second.bin") == data);
  CHECK(second->finish().error().code == "finished");  // the moved-from object holds nothing
  CHECK(entries(dir.path()) == std::set<std::string>{"second.bin"});
}

TEST_CASE("OutgoingFile move-assignment: the target closes its file and reads the other's range") {
  TempDir dir;
  const std::string a = pattern(100);
  const std::string b = pattern(700);
  spill(dir.path() / "a.bin", a);
  spill(dir.path() / "b.bin", b);
  auto target = OutgoingFile::open(dir.path() / "a.bin", {}, a.size());
  auto source = OutgoingFile::open(dir.path() / "b.bin", jingle_ft::ReadRange{200, 300}, b.size());
  REQUIRE(target);
  REQUIRE(source);
  *target = std::move(*source);
  CHECK(target->file_size() == 700);
  CHECK(target->offset() == 200);
  CHECK(target->length() == 300);
  std::vector<char> buffer(1024);
  const auto n = target->read(buffer);
  REQUIRE(n);
  CHECK(std::string(buffer.data(), *n) == b.substr(200, 300));
  CHECK(target->at_end());
  CHECK(target->hash());
}
