/* bench/floor/floor.c: the protocol and machine floor of one `xmpp send` (issue 10).
 *
 * Measurement apparatus, not product code. It does exactly the round trips a fresh
 * `xmpp send JID -m BODY` makes against bench/run's Prosody (STARTTLS, TLS 1.3, SCRAM-SHA-1,
 * XEP-0198), with nothing else: no XML parser (a substring scan of what this one server sends),
 * no event loop, no allocation beyond OpenSSL's. Whatever `xmpp send` spends beyond this
 * program is ours; what this program spends is the protocol's, the server's and the machine's.
 *
 *   floor [-t] -H HOST -p PORT -j USER@DOMAIN -f PASSWORD_FILE -c CA_FILE -r TO -m BODY
 *
 * -t prints each phase on stderr in `xmpp --timing`'s format and with its phase names:
 * start-up (main() to the TLS context), resolve (the TLS context and the CA file: `xmpp` makes
 * them there; no DNS with an IP host), tcp, tls (stream open -> features, <starttls/> ->
 * <proceed/>, the handshake), stream (the restarted stream's features), sasl (SCRAM's two round
 * trips and the restart), bind (bind, XEP-0198 <enable/>), command (the message with <r/> ->
 * <a/>), close (</stream:stream> both ways, our close_notify). "reads" counts reads that returned
 * data, as `xmpp --timing` does. Exit 0 when the server acknowledged the message, else 1.
 *
 * Wire behaviour kept as `xmpp`'s (libshared/tls/transport.cpp, PROFILE.md): TCP_NODELAY; no
 * session tickets asked for (SSL_OP_NO_TICKET; Prosody sends them anyway); SNI; TCP_QUICKACK
 * before the handshake, after it, after every write of the negotiation, and before each read of
 * the negotiation (once the socket is readable, when OpenSSL holds no bytes already). Without
 * the re-arming a Nagle server's answer after the handshake waits ~40 ms for our delayed ACK.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static SSL* ssl;              /* NULL until the STARTTLS handshake */
static int negotiation_reads; /* reads left that re-arm TCP_QUICKACK, as transport.cpp's 12 */
static unsigned long reads;   /* reads that returned data */
static char in[16384];        /* what the server sent and we have not consumed yet */
static size_t in_len;

static int timing;
static struct timespec t0, t_last;

static double ms_between(struct timespec a, struct timespec b) {
  return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

/* One line per phase, as `xmpp --timing` prints it (cli/context.cpp). */
static void mark(const char* phase, int counted) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (timing) {
    fprintf(stderr, "timing: %-9s %8.2f ms  (at %8.2f ms)", phase, ms_between(t_last, now),
            ms_between(t0, now));
    if (counted) fprintf(stderr, "  %lu read%s", reads, reads == 1 ? "" : "s");
    fputc('\n', stderr);
  }
  reads = 0;
  t_last = now;
}

static void die(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("floor: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  ERR_print_errors_fp(stderr);
  exit(1);
}

static void quick_ack(void) {
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

static void send_text(const char* text) {
  size_t len = strlen(text);
  if (ssl) {
    if (SSL_write(ssl, text, (int)len) <= 0) die("TLS write failed");
  } else if (write(fd, text, len) != (ssize_t)len) {
    die("write failed");
  }
  if (negotiation_reads > 0) quick_ack();
}

/* One read from the stream into `in`; 0 at EOF. */
static size_t read_some(void) {
  if (in_len + 1 >= sizeof in) die("more than %zu bytes unconsumed", sizeof in);
  if (negotiation_reads > 0 &&
      (!ssl || (SSL_has_pending(ssl) == 0 && BIO_ctrl_pending(SSL_get_rbio(ssl)) == 0))) {
    --negotiation_reads;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, 100); /* transport.cpp's k_ack_wait */
    quick_ack();
  }
  int n = ssl ? SSL_read(ssl, in + in_len, (int)(sizeof in - 1 - in_len))
              : (int)read(fd, in + in_len, sizeof in - 1 - in_len);
  if (n <= 0) return 0;
  ++reads;
  in_len += (size_t)n;
  in[in_len] = '\0';
  return (size_t)n;
}

/* Reads until `needle` arrived; drops everything up to its end and returns a copy of what came
 * before it (the caller frees). A <failure or stream error before it ends the run. */
static char* expect(const char* needle) {
  for (;;) {
    char* at = strstr(in, needle);
    if (at) {
      size_t before = (size_t)(at - in), end = before + strlen(needle);
      char* head = strndup(in, before);
      memmove(in, in + end, in_len - end + 1);
      in_len -= end;
      return head;
    }
    if (strstr(in, "<failure") || strstr(in, "<stream:error")) die("server said: %s", in);
    if (read_some() == 0) die("connection closed while waiting for %s; got: %s", needle, in);
  }
}

static void expect_drop(const char* needle) {
  free(expect(needle));
}

static char* b64(const unsigned char* data, int len) {
  char* out = malloc(4 * ((len + 2) / 3) + 1);
  EVP_EncodeBlock((unsigned char*)out, data, len);
  return out;
}

/* Base64 `text` decoded into `out` (NUL-terminated); returns its length. */
static int unb64(const char* text, unsigned char* out) {
  int n = EVP_DecodeBlock(out, (const unsigned char*)text, (int)strlen(text));
  size_t len = strlen(text);
  while (n > 0 && len > 0 && text[len - 1] == '=')
    --n, --len; /* DecodeBlock counts padding */
  out[n < 0 ? 0 : n] = '\0';
  return n;
}

/* 22 characters, the length of `xmpp`'s ids. */
static void random_id(char out[23]) {
  unsigned char raw[11];
  RAND_bytes(raw, sizeof raw);
  for (size_t k = 0; k < sizeof raw; ++k)
    snprintf(out + 2 * k, 3, "%02x", raw[k]);
}

static void stream_open(const char* domain, const char* from) {
  char header[512];
  /* Byte for byte the header libshared/stream/session.cpp writes. */
  snprintf(header, sizeof header,
           "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
           "xmlns:stream='http://etherx.jabber.org/streams' to='%s'%s%s%s version='1.0' "
           "xml:lang='en'>",
           domain, from ? " from='" : "", from ? from : "", from ? "'" : "");
  send_text(header);
}

int main(int argc, char** argv) {
  clock_gettime(CLOCK_MONOTONIC, &t0);
  t_last = t0;
  const char *host = "127.0.0.1", *jid = NULL, *pwfile = NULL, *ca = NULL, *to = NULL, *body = NULL;
  int port = 5222, opt;
  while ((opt = getopt(argc, argv, "tH:p:j:f:c:r:m:")) != -1) {
    switch (opt) {
    case 't':
      timing = 1;
      break;
    case 'H':
      host = optarg;
      break;
    case 'p':
      port = atoi(optarg);
      break;
    case 'j':
      jid = optarg;
      break;
    case 'f':
      pwfile = optarg;
      break;
    case 'c':
      ca = optarg;
      break;
    case 'r':
      to = optarg;
      break;
    case 'm':
      body = optarg;
      break;
    default:
      return 2;
    }
  }
  /* The body goes on the wire as given: no XML escaping here. */
  if (!jid || !pwfile || !ca || !to || !body || !strchr(jid, '@') || strpbrk(body, "<>&'\"")) {
    fprintf(stderr, "usage: floor [-t] -H HOST -p PORT -j USER@DOMAIN -f PASSWORD_FILE "
                    "-c CA_FILE -r TO -m BODY\n");
    return 2;
  }
  char user[256], password[256];
  snprintf(user, sizeof user, "%.*s", (int)(strchr(jid, '@') - jid), jid);
  const char* domain = strchr(jid, '@') + 1;
  FILE* pf = fopen(pwfile, "r");
  if (!pf || !fgets(password, sizeof password, pf)) die("cannot read %s", pwfile);
  fclose(pf);
  password[strcspn(password, "\r\n")] = '\0';
  mark("start-up", 0);

  /* The TLS context, as tls/context.cpp makes it (TLS 1.2 at least, no compression, no
   * renegotiation, no tickets, no session cache, the CA file, verify the peer). */
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) die("SSL_CTX_new");
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) die("cannot load CA file %s", ca);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  mark("resolve", 0);

  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) die("not an IPv4 address: %s", host);
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) die("connect %s:%d", host, port);
  mark("tcp", 0);

  /* RFC 6120 §5: stream open -> features, <starttls/> -> <proceed/>, the handshake. */
  stream_open(domain, NULL);
  expect_drop("</stream:features>");
  send_text("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  expect_drop("<proceed");
  in_len = 0; /* nothing may follow <proceed/> in the clear (RFC 6120 §5.4.3.3) */
  in[0] = '\0';
  ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, domain);
  SSL_set1_host(ssl, domain); /* the certificate must name the JID's domain */
  quick_ack();
  if (SSL_connect(ssl) != 1) die("TLS handshake failed");
  if (SSL_get_verify_result(ssl) != X509_V_OK) die("certificate not verified");
  negotiation_reads = 12;
  quick_ack();
  mark("tls", 1);

  /* §5.4.3.3: the restarted stream, now with 'from'. */
  stream_open(domain, jid);
  expect_drop("</stream:features>");
  mark("stream", 1);

  /* RFC 5802 SCRAM-SHA-1: client-first -> server-first, client-final -> server-final. */
  unsigned char nonce_raw[18];
  RAND_bytes(nonce_raw, sizeof nonce_raw);
  char* cnonce = b64(nonce_raw, sizeof nonce_raw);
  char first_bare[512], msg[4096];
  snprintf(first_bare, sizeof first_bare, "n=%s,r=%s", user, cnonce);
  char gs2_first[600];
  snprintf(gs2_first, sizeof gs2_first, "n,,%s", first_bare);
  char* enc = b64((unsigned char*)gs2_first, (int)strlen(gs2_first));
  snprintf(msg, sizeof msg,
           "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>%s</auth>", enc);
  free(enc);
  send_text(msg);
  expect_drop("<challenge");
  expect_drop(">");
  char* challenge_b64 = expect("</challenge>");
  unsigned char server_first[1024];
  unb64(challenge_b64, server_first);
  free(challenge_b64);
  /* r=CNONCE+SNONCE,s=SALT,i=ITERATIONS */
  char *r = strstr((char*)server_first, "r="), *s = strstr((char*)server_first, ",s="),
       *i = strstr((char*)server_first, ",i=");
  if (!r || !s || !i || strncmp(r + 2, cnonce, strlen(cnonce)) != 0) die("bad server-first");
  char snonce[512], salt_b64[256];
  snprintf(snonce, sizeof snonce, "%.*s", (int)(s - r - 2), r + 2);
  snprintf(salt_b64, sizeof salt_b64, "%.*s", (int)(i - s - 3), s + 3);
  int iterations = atoi(i + 3);
  unsigned char salt[256], salted[SHA_DIGEST_LENGTH], client_key[SHA_DIGEST_LENGTH],
      stored_key[SHA_DIGEST_LENGTH], signature[SHA_DIGEST_LENGTH], server_key[SHA_DIGEST_LENGTH],
      server_sig[SHA_DIGEST_LENGTH], proof[SHA_DIGEST_LENGTH];
  int salt_len = unb64(salt_b64, salt);
  PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, salt_len, iterations, EVP_sha1(),
                    sizeof salted, salted);
  HMAC(EVP_sha1(), salted, sizeof salted, (const unsigned char*)"Client Key", 10, client_key, NULL);
  SHA1(client_key, sizeof client_key, stored_key);
  char final_bare[600], auth_message[4096];
  snprintf(final_bare, sizeof final_bare, "c=biws,r=%s", snonce); /* biws = base64("n,,") */
  snprintf(auth_message, sizeof auth_message, "%s,%s,%s", first_bare, (char*)server_first,
           final_bare);
  HMAC(EVP_sha1(), stored_key, sizeof stored_key, (unsigned char*)auth_message,
       strlen(auth_message), signature, NULL);
  for (size_t k = 0; k < sizeof proof; ++k)
    proof[k] = client_key[k] ^ signature[k];
  char* proof_b64 = b64(proof, sizeof proof);
  char final[800];
  snprintf(final, sizeof final, "%s,p=%s", final_bare, proof_b64);
  free(proof_b64);
  enc = b64((unsigned char*) final, (int)strlen(final));
  snprintf(msg, sizeof msg, "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%s</response>",
           enc);
  free(enc);
  send_text(msg);
  expect_drop("<success");
  expect_drop(">");
  char* success_b64 = expect("</success>");
  unsigned char server_final[256];
  unb64(success_b64, server_final);
  free(success_b64);
  /* The server proves it knows the password too: v=base64(HMAC(ServerKey, AuthMessage)). */
  HMAC(EVP_sha1(), salted, sizeof salted, (const unsigned char*)"Server Key", 10, server_key, NULL);
  HMAC(EVP_sha1(), server_key, sizeof server_key, (unsigned char*)auth_message,
       strlen(auth_message), server_sig, NULL);
  char* want = b64(server_sig, sizeof server_sig);
  if (strncmp((char*)server_final, "v=", 2) != 0 || strcmp((char*)server_final + 2, want) != 0)
    die("the server's SCRAM signature is wrong");
  free(want);
  free(cnonce);
  /* §6.4.6: restart once more. */
  stream_open(domain, jid);
  expect_drop("</stream:features>");
  mark("sasl", 1);

  /* RFC 6120 §7: bind (the server picks the resource), then XEP-0198 §3 enable, as `xmpp`
   * sends them (ids of its length, resumption asked for). */
  char id[23];
  random_id(id);
  snprintf(msg, sizeof msg,
           "<iq type='set' id='%s'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>", id);
  send_text(msg);
  expect_drop("</iq>");
  send_text("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
  expect_drop("<enabled");
  expect_drop(">");
  mark("bind", 1);

  /* The message (with its XEP-0359 origin-id, as `xmpp send` writes it) and an ack request in
   * one write, then the ack. */
  random_id(id);
  snprintf(msg, sizeof msg,
           "<message to='%s' type='chat' id='%s'><body>%s</body>"
           "<origin-id xmlns='urn:xmpp:sid:0' id='%s'/></message><r xmlns='urn:xmpp:sm:3'/>",
           to, id, body, id);
  send_text(msg);
  expect_drop("<a ");
  mark("command", 1);

  /* RFC 6120 §4.4 and XEP-0198 §4: our last ack (no stanza received) and our close in one
   * write, the server's close, then our close_notify (the server's came with its close or
   * follows it; like `xmpp`, do not wait for it). */
  send_text("<a xmlns='urn:xmpp:sm:3' h='0'/></stream:stream>");
  expect_drop("</stream:stream>");
  SSL_shutdown(ssl);
  close(fd);
  mark("close", 1);
  if (timing) fprintf(stderr, "timing: %-9s %8.2f ms\n", "total", ms_between(t0, t_last));
  return 0;
}
