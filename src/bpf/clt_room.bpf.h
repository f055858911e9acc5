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
  if (ip6->nexthdr != CLT_NEXTHDR_ROUTING) return 0;
  if (bpf_skb_load_bytes(skb, l3 + sizeof(*ip6), room, sizeof(*room)) != 0) return 0;
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

/* Writes the Hop-by-Hop header over the placeholder: the interface's
 * template with this packet's ids and own-entry values, then the IPv6 next
 * header. Returns the counter that says what happened. */
static __always_inline __u32 clt_fill_room(struct __sk_buff* skb,
                                           const struct clt_encap_template* t,
                                           const struct ipv6hdr* ip6, const struct clt_room* room,
                                           __u32 len) {
  const __u32 l3 = t->l2_len;
  if (len != t->header_len || len > CLT_MAX_HEADER)
    return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_ERROR);
  if (!clt_in_domain(&ip6->daddr))
    return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_OUTSIDE_DOMAIN);
  struct clt_scratch* s = clt_build_header(skb, t, room->ids, ip6, room->nexthdr);
  if (!s) return CLT_CNT_ERROR;
  struct ipv6hdr* out = (struct ipv6hdr*)s->bytes;
  out->payload_len = ip6->payload_len;
  /* Bounded again where the verifier checks the store's size. */
  __u64 size = CLT_IPV6_HEADER + (__u64)len;
  asm volatile("" : "+r"(size));
  if (size > sizeof(s->bytes)) return CLT_CNT_ERROR;
  if (bpf_skb_store_bytes(skb, l3, s->bytes, size, 0) != 0)
    return clt_remove_room(skb, l3, ip6, room, len, CLT_CNT_ERROR);
  return CLT_CNT_STAMPED;
}

#endif
