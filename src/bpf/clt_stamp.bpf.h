/* Inserting the Hop-by-Hop header: room after the IPv6 header, the header
 * from the interface's template with this packet's ids and own-entry values,
 * then the IPv6 next header and payload length. */
#ifndef CLT_BPF_STAMP_H
#define CLT_BPF_STAMP_H

/* UAPI types first: the libbpf headers build on them. */
#include <linux/bpf.h>
#include <linux/ipv6.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "clt_maps.bpf.h"

#define CLT_NSEC_PER_SEC 1000000000ULL

/* Offsets below count from the Hop-by-Hop header, which follows the IPv6
 * header in the scratch buffer. */
static __always_inline void clt_put_u8(struct clt_scratch* s, __u16 off, __u8 v) {
  if (off <= CLT_MAX_HEADER - 1) s->bytes[CLT_IPV6_HEADER + off] = v;
}

static __always_inline void clt_put_be32(struct clt_scratch* s, __u16 off, __u32 v) {
  if (off <= CLT_MAX_HEADER - 4) *(__u32*)&s->bytes[CLT_IPV6_HEADER + off] = bpf_htonl(v);
}

/* __sk_buff tstamp_type: the clock of tstamp. */
#define CLT_TSTAMP_REALTIME 0
#define CLT_TSTAMP_MONOTONIC 1
#define CLT_TSTAMP_TAI 2

/* When the packet leaves, on the wall clock: the time the stack gave it (TCP
 * stamps every packet with its departure time, monotonic), else the
 * monotonic clock now (the cheapest the program can read); each corrected
 * by the offset the loader keeps current. Reading the clock is the dearest
 * step of a stamp, and TCP has already read it. */
static __always_inline __u64 clt_departure_wall_ns(const struct __sk_buff* skb) {
  const __u64 tstamp = skb->tstamp;
  if (tstamp) {
    const __u8 clock = skb->tstamp_type;
    if (clock == CLT_TSTAMP_MONOTONIC) return tstamp + (__u64)clt_wall_minus_mono_ns;
    if (clock == CLT_TSTAMP_REALTIME) return tstamp;
    if (clock == CLT_TSTAMP_TAI) return tstamp - (__u64)clt_tai_offset_ns;
  }
  return bpf_ktime_get_ns() + (__u64)clt_wall_minus_mono_ns;
}

/* The same into the header where it lies in the packet (hbh, up to end). */
static __always_inline void clt_put_u8_at(__u8* hbh, const __u8* end, __u16 off, __u8 v) {
  if (off > CLT_MAX_HEADER - 1) return;
  __u8* at = hbh + off;
  if (at + 1 <= end) *at = v;
}

static __always_inline void clt_put_be32_at(__u8* hbh, const __u8* end, __u16 off, __u32 v) {
  if (off > CLT_MAX_HEADER - 4) return;
  __u8* at = hbh + off;
  if (at + 4 <= end) *(__u32*)at = bpf_htonl(v);
}

/* The wall clock at the packet's departure as the IOAM timestamp fields
 * hold it: seconds, and the fraction in microseconds as Linux IOAM writes
 * it. */
struct clt_departure {
  __u32 secs;
  __u32 usecs;
};

static __always_inline struct clt_departure clt_departure_of(const struct __sk_buff* skb) {
  const __u64 now = clt_departure_wall_ns(skb);
  const __u64 secs = now / CLT_NSEC_PER_SEC;
  /* ns / 1000 as a multiply and shift: exact below one second (the
   * multiplier exceeds 2^40 / 1000 by 0.224, which lifts no quotient below
   * 10^9 past an integer; the product fits 64 bits). */
  const __u64 ns = now - secs * CLT_NSEC_PER_SEC;
  const struct clt_departure d = {(__u32)secs, (__u32)((ns * 1099511628ULL) >> 40)};
  return d;
}

static __always_inline int clt_stamps_time(const struct clt_encap_template* t) {
  return t->ts_secs_off != CLT_FIELD_ABSENT || t->ts_frac_off != CLT_FIELD_ABSENT;
}

/* This packet's own-entry values: the hop limit it leaves with and its
 * departure time. */
static __always_inline void clt_fill_own_entry(struct clt_scratch* s,
                                               const struct clt_encap_template* t, __u8 hop_limit,
                                               const struct __sk_buff* skb) {
  clt_put_u8(s, t->hop_limit_off, hop_limit);
  clt_put_u8(s, t->hop_limit_wide_off, hop_limit);
  if (!clt_stamps_time(t)) return;
  const struct clt_departure d = clt_departure_of(skb);
  clt_put_be32(s, t->ts_secs_off, d.secs);
  clt_put_be32(s, t->ts_frac_off, d.usecs);
}

/* The same into the header where it lies in the packet (hbh, up to end). */
static __always_inline void clt_fill_own_entry_at(__u8* hbh, const __u8* end,
                                                  const struct clt_encap_template* t,
                                                  __u8 hop_limit, const struct __sk_buff* skb) {
  clt_put_u8_at(hbh, end, t->hop_limit_off, hop_limit);
  clt_put_u8_at(hbh, end, t->hop_limit_wide_off, hop_limit);
  if (!clt_stamps_time(t)) return;
  const struct clt_departure d = clt_departure_of(skb);
  clt_put_be32_at(hbh, end, t->ts_secs_off, d.secs);
  clt_put_be32_at(hbh, end, t->ts_frac_off, d.usecs);
}

/* The IPv6 header (next header: Hop-by-Hop) and the Hop-by-Hop header for
 * this packet, assembled in the per-CPU scratch buffer: the interface's
 * template with the ids (trace id, span id) and own-entry values; upper is
 * the header that follows. The caller sets the payload length. */
static __always_inline struct clt_scratch* clt_build_header(const struct __sk_buff* skb,
                                                            const struct clt_encap_template* t,
                                                            const __u8* ids,
                                                            const struct ipv6hdr* ip6, __u8 upper) {
  __u32 zero = 0;
  struct clt_scratch* s = bpf_map_lookup_elem(&clt_scratch, &zero);
  if (!s) return 0;
  struct ipv6hdr* out = (struct ipv6hdr*)s->bytes;
  __builtin_memcpy(out, ip6, sizeof *ip6);
  out->nexthdr = CLT_NEXTHDR_HOP;
  __builtin_memcpy(&s->bytes[CLT_IPV6_HEADER], t->header, CLT_MAX_HEADER);
  s->bytes[CLT_IPV6_HEADER] = upper;
  __builtin_memcpy(&s->bytes[CLT_IPV6_HEADER + CLT_IDS_OFFSET], ids, CLT_IDS_BYTES);
  clt_fill_own_entry(s, t, ip6->hop_limit, skb);
  return s;
}

/* Inserts the header where no room was reserved. Returns the counter that
 * says what happened; the packet is unchanged unless it is CLT_CNT_STAMPED. */
static __always_inline __u32 clt_insert_header(struct __sk_buff* skb,
                                               const struct clt_encap_template* t,
                                               const struct clt_socket_ids* ids,
                                               const struct ipv6hdr* ip6) {
  const __u32 len = t->header_len;
  if (len < 8 || len > CLT_MAX_HEADER) return CLT_CNT_ERROR;
  const __u32 l3 = t->l2_len;
  if (!skb->gso_size) {
    __u32 mtu = 0;
    if (bpf_check_mtu(skb, 0, &mtu, (__s32)len, 0) != 0) return CLT_CNT_TOO_BIG;
  }
  struct clt_scratch* s = clt_build_header(skb, t, ids->trace_id, ip6, ip6->nexthdr);
  if (!s) return CLT_CNT_ERROR;
  struct ipv6hdr* out = (struct ipv6hdr*)s->bytes;
  out->payload_len = bpf_htons(bpf_ntohs(ip6->payload_len) + (__u16)len);

  if (bpf_skb_adjust_room(skb, (__s32)len, BPF_ADJ_ROOM_NET, 0) != 0) return CLT_CNT_ERROR;
  /* The room follows the untouched IPv6 header: one store writes both. */
  if (bpf_skb_store_bytes(skb, l3, s->bytes, CLT_IPV6_HEADER + len, 0) != 0) {
    /* Give the packet back its original shape rather than send it torn. */
    bpf_skb_adjust_room(skb, -(__s32)len, BPF_ADJ_ROOM_NET, 0);
    return CLT_CNT_ERROR;
  }
  return CLT_CNT_STAMPED;
}

#endif
