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

/* The placeholder's first bytes, as far as its magic. */
struct clt_room {
  __u8 nexthdr;
  __u8 len8; /* length in 8-byte units, not counting the first 8 */
  __u8 type;
  __u8 segments_left;
  __u8 unused[4];
  __u8 segment[16];
  __u8 tlv_type;
  __u8 tlv_len;
  __u8 magic[4];
  __u8 ids[CLT_IDS_BYTES]; /* trace id, span id */
  __u8 pad[2];
};

/* Whether the header after the IPv6 header is a placeholder; its length in
 * bytes then. */
static __always_inline __u32 clt_read_room(struct __sk_buff* skb, __u32 l3,
                                           const struct ipv6hdr* ip6, struct clt_room* room) {
  if (ip6->nexthdr != CLT_NEXTHDR_ROUTING || l3 > 14) return 0;
  const __u8* at = (const __u8*)(long)skb->data + l3 + sizeof(*ip6);
  if (at + sizeof(*room) <= (const __u8*)(long)skb->data_end)
    __builtin_memcpy(room, at, sizeof(*room));
  else if (bpf_skb_load_bytes(skb, l3 + sizeof(*ip6), room, sizeof(*room)) != 0)
    return 0;
  __u32 magic;
  __builtin_memcpy(&magic, room->magic, 4);
  if (room->type != CLT_ROUTING_TYPE_SRH || room->tlv_type != CLT_ROOM_TLV_TYPE ||
      magic != bpf_htonl(CLT_ROOM_MAGIC))
    return 0;
  const __u32 len = ((__u32)room->len8 + 1) * 8;
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
 * copied out and back. The caller checked the room is the template's size. */
static __always_inline __u32 clt_fill_room_in_place(struct __sk_buff* skb,
                                                    const struct clt_encap_template* t,
                                                    const struct clt_room* room, __u32 len,
                                                    const __u8* bound) {
  const __u32 l3 = t->l2_len;
  __u8* const end = (__u8*)(long)skb->data_end;
  __u8* const ip = (__u8*)(long)skb->data + (l3 & 0xf);
  __u8* const hbh = ip + CLT_IPV6_HEADER;
  if (l3 > 14 || len > CLT_MAX_HEADER || hbh + len > end) return CLT_FILL_NOT_LINEAR;
  const __u64* words = (const __u64*)t->header;
#pragma unroll
  for (__u32 i = 0; i < CLT_MAX_HEADER / 8; i++) {
    if (i * 8 >= len) break;
    __u64* to = (__u64*)(hbh + i * 8);
    /* Always true (hbh + len is in the packet); the verifier wants it here. */
    if ((__u8*)(to + 1) > end) return CLT_CNT_ERROR;
    *to = words[i];
  }
  __u8* const ids = hbh + CLT_IDS_OFFSET;
  if (ids + CLT_IDS_BYTES > end) return CLT_CNT_ERROR;
  __builtin_memcpy(ids, bound, CLT_IDS_BYTES);
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
  if (len != t->header_len || len > CLT_MAX_HEADER)
    return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_ERROR);
  if (!clt_in_domain(&ip6->daddr))
    return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_OUTSIDE_DOMAIN);
  /* Beyond the linear part (not seen for locally sent packets) the header
   * is not written piecewise: the packet leaves without it. */
  const __u32 filled = clt_fill_room_in_place(skb, t, room, len, bound);
  if (filled == CLT_FILL_NOT_LINEAR) return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_ERROR);
  return filled;
}

#endif
