/* Packets whose socket reserved room: the placeholder routing header the
 * setsockopt hook had the kernel add (clt_datapath_abi.h) is rewritten into
 * the Hop-by-Hop header in place, or removed where the packet may not carry
 * IOAM. The packet keeps its size, so its buffer is never reallocated. */
#ifndef CLT_BPF_ROOM_H
#define CLT_BPF_ROOM_H

/* UAPI types first: the libbpf headers build on them. */
#include <linux/bpf.h>
#include <linux/ipv6.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "clt_domain.bpf.h"
#include "clt_maps.bpf.h"
#include "clt_parse.bpf.h"
#include "clt_stamp.bpf.h"

/* What the program needs of a placeholder. */
struct clt_room {
  __u64 ids[CLT_IDS_BYTES / 8]; /* trace id, span id of the span that reserved it */
  __u8 nexthdr;
};

/* Whether the header after the IPv6 header is a placeholder; its length in
 * bytes then. Read in place: only the fields that tell a placeholder. */
static __always_inline __u32 clt_read_room(struct __sk_buff* skb, __u32 l3,
                                           const struct ipv6hdr* ip6, struct clt_room* room) {
  if (ip6->nexthdr != CLT_NEXTHDR_ROUTING || l3 > 14) return 0;
  if (!clt_linear(skb, l3 + sizeof(*ip6) + CLT_ROOM_MIN)) return 0;
  const __u8* at = (const __u8*)(long)skb->data + l3 + sizeof(*ip6);
  if (at + CLT_ROOM_MIN > (const __u8*)(long)skb->data_end) return 0;
  if (at[2] != CLT_ROUTING_TYPE_SRH || at[CLT_ROOM_TLV_OFFSET] != CLT_ROOM_TLV_TYPE ||
      *(const __u32*)(at + CLT_ROOM_TLV_OFFSET + 2) != bpf_htonl(CLT_ROOM_MAGIC))
    return 0;
  room->nexthdr = at[0];
  clt_copy_u64s(room->ids, at + CLT_ROOM_IDS_OFFSET, CLT_IDS_BYTES / 8);
  const __u32 len = ((__u32)at[1] + 1) * 8;
  return len >= CLT_ROOM_MIN ? len : 0;
}

/* Takes the placeholder out: the packet leaves as the socket would have sent
 * it without CLT. */
static __always_inline __u32 clt_remove_room(struct __sk_buff* skb, __u32 l3,
                                             const struct ipv6hdr* ip6, const struct clt_room* room,
                                             __u32 len, __u32 reason) {
  clt_count(CLT_CNT_ROOM_REMOVED);
  if (bpf_skb_adjust_room(skb, -(__s32)len, BPF_ADJ_ROOM_NET, 0) != 0) return CLT_CNT_ERROR;
  struct ipv6hdr out;
  __builtin_memcpy(&out, ip6, sizeof out);
  out.nexthdr = room->nexthdr;
  out.payload_len = bpf_htons(bpf_ntohs(ip6->payload_len) - (__u16)len);
  if (bpf_skb_store_bytes(skb, l3, &out, sizeof out, 0) != 0) return CLT_CNT_ERROR;
  return reason;
}

/* clt_fill_room_in_place found the header beyond the linear part. */
#define CLT_FILL_NOT_LINEAR CLT_CNT_MAX

/* Writes the room's bytes where they lie in the packet (the usual case: a
 * locally sent packet has its headers in the linear part), so nothing is
 * copied out and back. The caller checked the room is the header's size. */
static __always_inline __u32 clt_fill_room_in_place(struct __sk_buff* skb,
                                                    const struct clt_encap_template* t,
                                                    const struct clt_room* room,
                                                    const __u8* bound) {
  const __u32 l3 = t->l2_len;
  const __u32 len = clt_header_len;
  __u8* const end = (__u8*)(long)skb->data_end;
  __u8* const ip = (__u8*)(long)skb->data + (l3 & 0xf);
  __u8* const hbh = ip + CLT_IPV6_HEADER;
  if (l3 > 14 || len > CLT_MAX_HEADER || hbh + len > end) return CLT_FILL_NOT_LINEAR;
  const __u64* words = (const __u64*)t->header;
#pragma unroll
  for (__u32 i = 0; i < CLT_MAX_HEADER / 8; i++) {
    /* A test on every word rather than a break, which clang would turn
     * into a loop of unknown trip count that it cannot unroll; the verifier
     * knows len and drops the tests. */
    if (i * 8 < len) ((__u64*)hbh)[i] = words[i];
  }
  __u8* const ids = hbh + CLT_IDS_OFFSET;
  if (ids + CLT_IDS_BYTES > end) return CLT_CNT_ERROR;
  clt_copy_u64s(ids, bound, CLT_IDS_BYTES / 8);
  hbh[0] = room->nexthdr;
  clt_fill_own_entry_at(hbh, end, t, ip[7], skb);
  ip[6] = CLT_NEXTHDR_HOP;
  return CLT_CNT_STAMPED;
}

/* Writes the Hop-by-Hop header over the placeholder: the interface's
 * template with the ids bound (none: the placeholder is removed) and this
 * packet's own-entry values, then the IPv6 next header. Returns the counter
 * that says what happened. */
static __always_inline __u32 clt_fill_room(struct __sk_buff* skb,
                                           const struct clt_encap_template* t,
                                           const struct ipv6hdr* ip6, const struct clt_room* room,
                                           __u32 len, const __u8* bound) {
  const __u32 l3 = t->l2_len;
  if (!bound) return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_NO_IDS);
  if (len != clt_header_len || len != t->header_len)
    return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_ERROR);
  if (!clt_in_domain(&ip6->daddr))
    return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_OUTSIDE_DOMAIN);
  /* Beyond the linear part (not seen for locally sent packets) the header
   * is not written piecewise: the packet leaves without it. */
  const __u32 filled = clt_fill_room_in_place(skb, t, room, bound);
  if (filled == CLT_FILL_NOT_LINEAR) return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_ERROR);
  return filled;
}

#endif
