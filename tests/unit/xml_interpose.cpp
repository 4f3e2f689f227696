// Test-build interposer (SECURITY.md row 2): counts every file open and socket connect made by
// anything in the process (Xerces, libcurl) while armed, then forwards to libc.
#include <dlfcn.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>

#include "xml_interpose.hpp"

namespace {
std::atomic<bool> g_armed{false};
std::atomic<int> g_opens{0};
std::atomic<int> g_connects{0};

template <class F> F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}
void count(std::atomic<int>& counter) {
  if (g_armed.load()) ++counter;
}
}  // namespace

namespace xml_test {
void interpose_arm(bool on) {
  g_armed = on;
}
int interposed_opens() {
  return g_opens.load();
}
int interposed_connects() {
  return g_connects.load();
}
void interpose_clear() {
  g_opens = 0;
  g_connects = 0;
}
}  // namespace xml_test

struct sockaddr;

extern "C" {

FILE* fopen(const char* path, const char* mode) {
  count(g_opens);
  static auto real = next<FILE* (*)(const char*, const char*)>("fopen");
  return real(path, mode);
}

FILE* fopen64(const char* path, const char* mode) {
  count(g_opens);
  static auto real = next<FILE* (*)(const char*, const char*)>("fopen64");
  return real(path, mode);
}

int open(const char* path, int flags, ...) {
  count(g_opens);
  va_list ap;
  va_start(ap, flags);
  const unsigned mode = va_arg(ap, unsigned);
  va_end(ap);
  static auto real = next<int (*)(const char*, int, ...)>("open");
  return real(path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  count(g_opens);
  va_list ap;
  va_start(ap, flags);
  const unsigned mode = va_arg(ap, unsigned);
  va_end(ap);
  static auto real = next<int (*)(const char*, int, ...)>("open64");
  return real(path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  count(g_opens);
  va_list ap;
  va_start(ap, flags);
  const unsigned mode = va_arg(ap, unsigned);
  va_end(ap);
  static auto real = next<int (*)(int, const char*, int, ...)>("openat");
  return real(dirfd, path, flags, mode);
}

int connect(int fd, const sockaddr* addr, unsigned len) {
  count(g_connects);
  static auto real = next<int (*)(int, const sockaddr*, unsigned)>("connect");
  return real(fd, addr, len);
}

}  // extern "C"
