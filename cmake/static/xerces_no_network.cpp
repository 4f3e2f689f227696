// Stand-ins for the libcurl functions of Xerces-C's network accessor (CurlNetAccessor), linked
// only by the static build (cmake/static.cmake): Debian ships no libcurl.a, and the shared
// libcurl-gnutls would bring GnuTLS, Kerberos, LDAP and twenty more libraries back. Every call
// fails, so Xerces can never fetch a URL; our parser resolves no external entity anyway.
// The C signatures are libcurl's (CURLcode and CURLoption are int-sized enums).
#include <cstddef>

extern "C" {

using CURL = void;
using CURLM = void;

int curl_global_init(long /*flags*/) { return 0; }
void curl_global_cleanup() {}
CURL* curl_easy_init() { return nullptr; }
void curl_easy_cleanup(CURL* /*handle*/) {}
int curl_easy_setopt(CURL* /*handle*/, int /*option*/, ...) { return 1; }
int curl_easy_getinfo(CURL* /*handle*/, int /*info*/, ...) { return 1; }
CURLM* curl_multi_init() { return nullptr; }
int curl_multi_cleanup(CURLM* /*multi*/) { return 1; }
int curl_multi_add_handle(CURLM* /*multi*/, CURL* /*handle*/) { return 1; }
int curl_multi_remove_handle(CURLM* /*multi*/, CURL* /*handle*/) { return 1; }
int curl_multi_perform(CURLM* /*multi*/, int* running) {
  if (running != nullptr) *running = 0;
  return 1;
}
int curl_multi_fdset(CURLM* /*multi*/, void* /*read*/, void* /*write*/, void* /*error*/,
                     int* max_fd) {
  if (max_fd != nullptr) *max_fd = -1;
  return 1;
}
void* curl_multi_info_read(CURLM* /*multi*/, int* left) {
  if (left != nullptr) *left = 0;
  return nullptr;
}
int curl_multi_timeout(CURLM* /*multi*/, long* timeout_ms) {
  if (timeout_ms != nullptr) *timeout_ms = -1;
  return 1;
}
void* curl_slist_append(void* list, const char* /*text*/) { return list; }
void curl_slist_free_all(void* /*list*/) {}

}  // extern "C"
