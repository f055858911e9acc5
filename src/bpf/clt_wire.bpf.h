/* Ids read on the wire: an HTTP/1.x request leaving the node (a method token
 * at the start of a TCP segment's payload) binds its flow to the trace id and
 * parent id of its W3C `traceparent` header when that is sampled, until the
 * flow's next request or its end. The bytes scanned are the first
 * CLT_WIRE_SCAN_BYTES of the segment's payload; the scan stops at the end of
 * the header block. */
#ifndef CLT_BPF_WIRE_H
#define CLT_BPF_WIRE_H

/* UAPI types first: the libbpf headers build on them. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "clt_datapath_abi.h"
#include "clt_maps.bpf.h"
#include "clt_parse.bpf.h"

/* A power of two: the scan walks it in 8-byte words. */
#define CLT_WIRE_SCAN_WORDS (CLT_WIRE_SCAN_BYTES / 8)
/* `traceparent:` then at most this much optional whitespace. */
#define CLT_WIRE_MAX_OWS 8
/* "00-" 32 hex "-" 16 hex "-" 2 hex */
#define CLT_TRACEPARENT_LEN 55
/* Past the scanned bytes: the name, whitespace, value and one more byte may
 * be read from any line start without a bounds check per byte. */
#define CLT_WIRE_SLACK 128

struct clt_wire_buf {
  __u8 bytes[CLT_WIRE_SCAN_BYTES + CLT_WIRE_SLACK] __attribute__((aligned(8)));
  __u8 ids[CLT_IDS_BYTES]; /* what clt_wire_field parsed: trace id, parent id */
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct clt_wire_buf);
} clt_wire_scratch SEC(".maps");

/* Set by the loader before load: read requests' traceparent on egress. */
const volatile __u8 clt_traceparent_enabled = 0;

/* What a line of the header block, or the whole block, turned out to be. */
enum clt_wire_result {
  CLT_WIRE_NEXT_LINE = 0, /* another field: keep scanning */
  CLT_WIRE_ABSENT,        /* end of the header block, or of the bytes scanned */
  CLT_WIRE_INVALID,
  CLT_WIRE_UNSAMPLED,
  CLT_WIRE_SAMPLED,
};

static __always_inline __u32 clt_hex_digit(__u8 c) {
  /* W3C trace context: lowercase hex only. */
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return 0x100;
}

/* Decodes count bytes of hex at text into out; nonzero when not hex. */
static __always_inline __u32 clt_hex_bytes(const __u8* text, __u8* out, int count) {
  __u32 bad = 0;
  /* Not unrolled: unrolled, the compiler spills across the whole stack. */
#pragma nounroll
  for (int i = 0; i < count; i++) {
    const __u32 hi = clt_hex_digit(text[2 * i]);
    const __u32 lo = clt_hex_digit(text[2 * i + 1]);
    bad |= (hi | lo) & 0x100;
    out[i] = (__u8)(hi << 4 | lo);
  }
  return bad;
}

static __always_inline int clt_is_ows(__u8 c) {
  return c == ' ' || c == '\t';
}

static __always_inline int clt_all_zero(const __u8* p, int count) {
  __u8 any = 0;
#pragma unroll
  for (int i = 0; i < 16; i++) {
    if (i >= count) break;
    any |= p[i];
  }
  return any == 0;
}

/* The traceparent value at b->bytes[at], len bytes scanned in all. */
static __always_inline int clt_wire_value(struct clt_wire_buf* b, __u64 at, __u64 len) {
#pragma unroll
  for (int i = 0; i < CLT_WIRE_MAX_OWS; i++) {
    if (at >= CLT_WIRE_SCAN_BYTES || !clt_is_ows(b->bytes[at])) break;
    at++;
  }
  /* The value and the byte after it must have been scanned. */
  if (at >= CLT_WIRE_SCAN_BYTES || at + CLT_TRACEPARENT_LEN >= len) return CLT_WIRE_INVALID;
  const __u8* v = &b->bytes[at];
  __u8 version, flags;
  if (clt_hex_bytes(v, &version, 1) || version == 0xff) return CLT_WIRE_INVALID;
  if (v[2] != '-' || v[35] != '-' || v[52] != '-') return CLT_WIRE_INVALID;
  if (clt_hex_bytes(v + 3, b->ids, 16) || clt_hex_bytes(v + 36, b->ids + 16, 8) ||
      clt_hex_bytes(v + 53, &flags, 1))
    return CLT_WIRE_INVALID;
  const __u8 after = v[CLT_TRACEPARENT_LEN];
  const int ends = clt_is_ows(after) || after == '\r' || after == '\n';
  /* Version 00 is exactly 55 characters; later versions may append fields. */
  if (!ends && (version == 0 || after != '-')) return CLT_WIRE_INVALID;
  if (clt_all_zero(b->ids, 16) || clt_all_zero(b->ids + 16, 8)) return CLT_WIRE_INVALID;
  return flags & 1 ? CLT_WIRE_SAMPLED : CLT_WIRE_UNSAMPLED;
}

/* The line that starts after the '\n' at b->bytes[nl]: the end of the header
 * block, a traceparent field, or another field. A global function: the
 * verifier checks it once, not for every line start it could be given. */
__attribute__((noinline)) int clt_wire_line(struct clt_wire_buf* b, __u64 nl, __u64 len) {
  if (!b || nl >= CLT_WIRE_SCAN_BYTES || nl + 1 >= len) return CLT_WIRE_ABSENT;
  if (b->bytes[nl] != '\n') return CLT_WIRE_NEXT_LINE;
  const __u8* line = &b->bytes[nl + 1];
  if (line[0] == '\r' || line[0] == '\n') return CLT_WIRE_ABSENT;
  __u64 name;
  __u32 tail;
  __builtin_memcpy(&name, line, 8);
  __builtin_memcpy(&tail, line + 8, 4);
  /* Every character of the name is a letter: setting 0x20 lowercases it,
   * and nothing but its two cases maps onto a lowercase letter. */
  const __u64 tracepar = 0x7261706563617274ULL; /* "tracepar", little-endian */
  const __u32 ent_colon = 0x3a746e65;           /* "ent:" */
  if ((name | 0x2020202020202020ULL) != tracepar || (tail | 0x00202020) != ent_colon)
    return CLT_WIRE_NEXT_LINE;
  return clt_wire_value(b, nl + 13, len);
}

#define CLT_SWAR_ONES 0x0101010101010101ULL
#define CLT_SWAR_HIGHS 0x8080808080808080ULL
#define CLT_SWAR_NEWLINES 0x0a0a0a0a0a0a0a0aULL
/* Multiplied by 1 << 8k, leaves k in the top byte. */
#define CLT_SWAR_BYTE_INDEX 0x0001020304050607ULL

/* The lines that start after the '\n's of one word (their high bits in
 * newlines, the word at b->bytes[base]). A global function: verified once. */
__attribute__((noinline)) int clt_wire_lines(struct clt_wire_buf* b, __u64 base, __u64 newlines,
                                             __u64 len) {
  if (!b) return CLT_WIRE_ABSENT;
  for (int k = 0; k < 8 && newlines; k++) {
    const __u64 lowest = newlines & (~newlines + 1);
    const __u64 at = base + ((((lowest >> 7) * CLT_SWAR_BYTE_INDEX) >> 56) & 7);
    newlines ^= lowest;
    if (at + 1 >= CLT_WIRE_SCAN_BYTES || at + 1 >= len) return CLT_WIRE_ABSENT;
    /* Only a line that starts with 't' (either case), or the empty line, is
     * looked at closer. */
    const __u8 next = b->bytes[at + 1];
    if ((next | 0x20) != 't' && next != '\r' && next != '\n') continue;
    const int r = clt_wire_line(b, at, len);
    if (r != CLT_WIRE_NEXT_LINE) return r;
  }
  return CLT_WIRE_NEXT_LINE;
}

/* The high bit of every byte of v that is zero (and possibly of a 0x01
 * right above one: whoever acts on it looks at the byte itself). */
static __always_inline __u64 clt_swar_zeros(__u64 v) {
  return (v - CLT_SWAR_ONES) & ~v & CLT_SWAR_HIGHS;
}

/* Of the line ends in word w (their high bits in newlines), those whose next
 * byte could start a traceparent line ('t' or 'T') or end the block ('\r',
 * '\n'). */
static __always_inline __u64 clt_wire_candidates(const __u64* words, __u32 w, __u64 newlines) {
  const __u64 next = (words[w] >> 8) | (words[w + 1] << 56); /* each byte's successor */
  const __u64 starts = clt_swar_zeros((next | 0x2020202020202020ULL) ^ 0x7474747474747474ULL) |
                       clt_swar_zeros(next ^ 0x0d0d0d0d0d0d0d0dULL) |
                       clt_swar_zeros(next ^ CLT_SWAR_NEWLINES);
  return newlines & starts;
}

/* Words a scan step covers: one test tells whether any of them holds a line
 * end. */
#define CLT_WIRE_STEP_WORDS 4

/* Nonzero when one of the step's words at w may hold a '\n'. Exact for
 * ASCII text; a byte of 0x80 or more sets it too, and the step's words are
 * then looked at exactly. Without the `& ~v` of the exact test it costs a
 * load, an xor, a subtraction and an or per word. */
static __always_inline __u64 clt_wire_step_has_line_end(const __u64* words, __u32 w) {
  __u64 any = 0;
#pragma unroll
  for (__u32 i = 0; i < CLT_WIRE_STEP_WORDS; i++)
    any |= (words[w + i] ^ CLT_SWAR_NEWLINES) - CLT_SWAR_ONES;
  return any & CLT_SWAR_HIGHS;
}

/* Scans the len bytes in b (the start of a request) for its traceparent
 * header, 32 bytes at a time: a step without a line end (most of them)
 * costs a few instructions a word; only the line ends whose next byte could
 * start a traceparent line or end the block are looked at closer. A global
 * function: the verifier checks it once, whichever path calls it. */
__attribute__((noinline)) int clt_wire_scan(struct clt_wire_buf* b, __u64 len) {
  if (!b) return CLT_WIRE_ABSENT;
  const __u64* words = (const __u64*)b->bytes;
  for (__u32 w = 0; w < CLT_WIRE_SCAN_WORDS; w += CLT_WIRE_STEP_WORDS) {
    if (w * 8 >= len) break;
    if (!clt_wire_step_has_line_end(words, w)) continue;
#pragma unroll
    for (__u32 i = 0; i < CLT_WIRE_STEP_WORDS; i++) {
      const __u64 newlines = clt_swar_zeros(words[w + i] ^ CLT_SWAR_NEWLINES);
      const __u64 c = newlines ? clt_wire_candidates(words, w + i, newlines) : 0;
      const int r = c ? clt_wire_lines(b, (w + i) * 8, c, len) : CLT_WIRE_NEXT_LINE;
      if (r != CLT_WIRE_NEXT_LINE) return r;
    }
  }
  return CLT_WIRE_ABSENT;
}

/* Whether the payload's first bytes are a request line's method and its
 * space. */
static __always_inline int clt_is_request_start(__u64 m) {
  const __u32 m4 = (__u32)m;
  if (m4 == 0x20544547 /* "GET " */ || m4 == 0x20545550 /* "PUT " */) return 1;
  const __u64 m5 = m & 0xffffffffffULL;
  if (m5 == 0x2054534f50ULL /* "POST " */ || m5 == 0x2044414548ULL /* "HEAD " */) return 1;
  const __u64 m6 = m & 0xffffffffffffULL;
  if (m6 == 0x204843544150ULL /* "PATCH " */ || m6 == 0x204543415254ULL /* "TRACE " */) return 1;
  const __u64 m7 = m & 0xffffffffffffffULL;
  if (m7 == 0x204554454c4544ULL /* "DELETE " */) return 1;
  return m == 0x20534e4f4954504fULL /* "OPTIONS " */ || m == 0x205443454e4e4f43ULL /* "CONNECT " */;
}

/* Whether the socket holds ids of the application's own (per-socket API):
 * those win over the wire's. The storage helper tells full sockets apart. */
static __always_inline int clt_socket_has_own_ids(struct __sk_buff* skb) {
  struct bpf_sock* sk = skb->sk;
  if (!sk) return 0;
  const struct clt_socket_ids* ids = bpf_sk_storage_get(&clt_socket_ids, sk, 0, 0);
  return ids && ids->origin == CLT_ORIGIN_API;
}

#define CLT_TCP_FIN 0x01
#define CLT_TCP_RST 0x04

/* The TCP header's ports, data offset and flags. */
struct clt_tcp_start {
  __u32 ports;
  __u8 unused[8];
  __u8 offset;
  __u8 flags;
};

/* What a segment does to the ids of the flow `key` (the flow they are to
 * travel on; `bound`: its ids now, when the caller looked them up, else
 * unknown): if its payload, at `payload`, starts a request, the request's
 * sampled traceparent rebinds it (the ids written to `read`, which is
 * returned), or unbinds it. Returns the flow's ids after the segment.
 * check_own: the application's own ids on the socket win. */
static __always_inline const struct clt_socket_ids* clt_wire_bind_request(
    struct __sk_buff* skb, __u32 payload, const struct clt_flow_key* key,
    const struct clt_socket_ids* bound, int bound_known, struct clt_socket_ids* read,
    int check_own) {
  if (payload + 8 > skb->len) return bound;
  __u64 method;
  if (bpf_skb_load_bytes(skb, payload, &method, sizeof method) != 0) return bound;
  if (!clt_is_request_start(method)) return bound;
  clt_count(CLT_CNT_HTTP_REQUESTS);
  if (check_own && clt_socket_has_own_ids(skb)) return bound;
  __u32 zero = 0;
  struct clt_wire_buf* b = bpf_map_lookup_elem(&clt_wire_scratch, &zero);
  if (!b) return bound;
  /* 64-bit, so that the verifier sees the bound the helper is given. */
  __u64 len = (__u64)skb->len - payload;
  if (len > CLT_WIRE_SCAN_BYTES) len = CLT_WIRE_SCAN_BYTES;
  if (len < 8 || bpf_skb_load_bytes(skb, payload, b->bytes, len) != 0) return bound;
  const int found = clt_wire_scan(b, len);
  if (found != CLT_WIRE_SAMPLED) {
    /* The flow's earlier request ends here, and this one gets no CLT. */
    if (bound || !bound_known) bpf_map_delete_elem(&clt_flow_ids, key);
    clt_count(found == CLT_WIRE_INVALID     ? CLT_CNT_TRACEPARENT_INVALID
              : found == CLT_WIRE_UNSAMPLED ? CLT_CNT_TRACEPARENT_UNSAMPLED
                                            : CLT_CNT_TRACEPARENT_ABSENT);
    return 0;
  }
  __builtin_memcpy(read->trace_id, b->ids, CLT_IDS_BYTES);
  read->origin = CLT_ORIGIN_WIRE;
  if (bpf_map_update_elem(&clt_flow_ids, key, read, BPF_ANY) != 0) {
    clt_count(CLT_CNT_ERROR);
    return 0;
  }
  clt_count(CLT_CNT_REQUESTS_BOUND);
  return read;
}

/* A TCP segment leaving the node, its header at th, its flow `key` bound to
 * `bound` (looked up): a request starting in it rebinds or unbinds the
 * flow, the flow's end unbinds it. Returns the flow's ids for this segment.
 * Packets the program itself cloned for insertion (no socket any more) were
 * read on their first pass. */
static __always_inline const struct clt_socket_ids* clt_wire_read_request(
    struct __sk_buff* skb, __u32 th, const struct clt_flow_key* key,
    const struct clt_socket_ids* bound, struct clt_socket_ids* read) {
  if (!skb->sk) return bound;
  struct clt_tcp_start tcp;
  if (bpf_skb_load_bytes(skb, th, &tcp, sizeof tcp) != 0) return bound;
  if (tcp.flags & (CLT_TCP_FIN | CLT_TCP_RST)) {
    if (bound) bpf_map_delete_elem(&clt_flow_ids, key);
    return 0;
  }
  return clt_wire_bind_request(skb, th + (tcp.offset >> 4) * 4, key, bound, 1, read, 1);
}

/* A TCP segment arriving (the server's side), its header at th: a request
 * starting in it binds the flow its response leaves on (the reversed
 * 5-tuple), so that the response carries the request's ids; the peer's FIN
 * or RST unbinds it. */
static __always_inline void clt_wire_read_arriving_request(struct __sk_buff* skb, __u32 th,
                                                           const struct ipv6hdr* ip6) {
  struct clt_tcp_start tcp;
  if (bpf_skb_load_bytes(skb, th, &tcp, sizeof tcp) != 0) return;
  struct clt_flow_key key = {};
  __builtin_memcpy(key.saddr, &ip6->daddr, 16);
  __builtin_memcpy(key.daddr, &ip6->saddr, 16);
  key.sport = (__u16)(tcp.ports >> 16);
  key.dport = (__u16)tcp.ports;
  key.protocol = IPPROTO_TCP;
  if (tcp.flags & (CLT_TCP_FIN | CLT_TCP_RST)) {
    bpf_map_delete_elem(&clt_flow_ids, &key);
    return;
  }
  struct clt_socket_ids read = {};
  clt_wire_bind_request(skb, th + (tcp.offset >> 4) * 4, &key, 0, 0, &read, 0);
}

/* A TCP socket's packet may not grow while the socket owns it (its memory
 * accounting would not see the larger buffer): a clone, which no socket
 * owns, goes out through the same interface instead, and the program, run
 * again on it, inserts the header. A tcx program cannot steal a packet, so
 * the original is handed to loopback's ingress, where IPv6 drops it as
 * addressed to another host (its destination MAC is the next hop's), and
 * the socket sees it sent. Interfaces without a MAC header keep the packet
 * unchanged. */
#define CLT_LOOPBACK_IFINDEX 1

static __always_inline int clt_insert_in_clone(struct __sk_buff* skb,
                                               const struct clt_encap_template* t) {
  if (t->l2_len == 0) {
    clt_count(CLT_CNT_NO_ROOM);
    return TC_ACT_OK;
  }
  /* Negative: no clone went out, so the original does, unchanged. */
  if (bpf_clone_redirect(skb, skb->ifindex, 0) < 0) {
    clt_count(CLT_CNT_ERROR);
    return TC_ACT_OK;
  }
  clt_count(CLT_CNT_CLONED_FOR_INSERT);
  return bpf_redirect(CLT_LOOPBACK_IFINDEX, BPF_F_INGRESS);
}

#endif
