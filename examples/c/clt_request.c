/* Sends one request with CLT on: the request's packets carry the given
 * OpenTelemetry trace and span ids in their IOAM option, so the IOAM nodes on
 * the path report them. Run it where IOAM is configured, with CAP_NET_RAW:
 *
 *   clt_request [-u] ADDRESS PORT TRACE_ID SPAN_ID [MESSAGE]
 *
 * TRACE_ID is 32 hex digits, SPAN_ID 16 (as in a W3C traceparent). Prints the
 * reply (first line, TCP) or datagram (UDP, -u). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clt.h"

static int parse_hex(const char* text, uint8_t* out, size_t n) {
  if (strlen(text) != 2 * n) return -1;
  for (size_t i = 0; i < n; ++i) {
    unsigned v;
    if (sscanf(text + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  return 0;
}

int main(int argc, char** argv) {
  int udp = argc > 1 && strcmp(argv[1], "-u") == 0;
  char** a = argv + udp;
  int n = argc - udp;
  if (n < 5) {
    fprintf(stderr, "usage: %s [-u] ADDRESS PORT TRACE_ID SPAN_ID [MESSAGE]\n", argv[0]);
    return 2;
  }
  uint8_t trace_id[16], span_id[8];
  if (parse_hex(a[3], trace_id, 16) != 0 || parse_hex(a[4], span_id, 8) != 0) {
    fprintf(stderr, "trace id must be 32 hex digits and span id 16\n");
    return 2;
  }
  const char* message = n > 5 ? a[5] : "hello";

  struct sockaddr_in6 peer;
  memset(&peer, 0, sizeof peer);
  peer.sin6_family = AF_INET6;
  peer.sin6_port = htons((uint16_t)atoi(a[2]));
  if (inet_pton(AF_INET6, a[1], &peer.sin6_addr) != 1) {
    fprintf(stderr, "%s is not an IPv6 address\n", a[1]);
    return 2;
  }
  int fd = socket(AF_INET6, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr*)&peer, sizeof peer) != 0) {
    perror("connect");
    return 1;
  }

  /* The span starts: every packet sent from now on carries its ids. */
  int rc = clt_enable(fd, trace_id, span_id);
  if (rc < 0) {
    fprintf(stderr, "clt_enable: %s\n", clt_strerror(rc));
    return 1;
  }
  printf("clt_enable: %s\n", rc == CLT_OUTSIDE_DOMAIN ? "outside-domain" : "ok");

  char line[1024];
  snprintf(line, sizeof line, "%s\n", message);
  if (send(fd, line, strlen(line), 0) < 0) {
    perror("send");
    return 1;
  }
  ssize_t got = recv(fd, line, sizeof line - 1, 0);
  if (got < 0) {
    perror("recv");
    return 1;
  }
  line[got] = '\0';
  printf("reply: %s", line);

  /* The span ends. */
  rc = clt_disable(fd);
  if (rc < 0) {
    fprintf(stderr, "clt_disable: %s\n", clt_strerror(rc));
    return 1;
  }
  close(fd);
  return 0;
}
