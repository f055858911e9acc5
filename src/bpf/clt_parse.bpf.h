/* Reading the IPv6 packet at tc: the fixed header and the upper-layer
 * protocol behind any extension headers. Works on non-linear skbs, so GSO
 * packets are read like any other. */
#ifndef CLT_BPF_PARSE_H
#define CLT_BPF_PARSE_H

/* UAPI types first: the libbpf headers build on them. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ipv6.h>

#include <bpf/bpf_helpers.h>

#include "clt_datapath_abi.h"

#define CLT_NEXTHDR_HOP 0
#define CLT_NEXTHDR_ROUTING 43
#define CLT_NEXTHDR_FRAGMENT 44
#define CLT_NEXTHDR_DEST 60
#define CLT_MAX_EXT_HEADERS 4

/* Whether the packet's first `bytes` bytes are in the linear part, pulling
 * them in when not (rare: a locally sent packet has its headers there), so
 * that headers are read and written in place. Invalidates packet pointers. */
static __always_inline int clt_linear(struct __sk_buff* skb, __u32 bytes) {
  if ((long)skb->data + bytes <= (long)skb->data_end) return 1;
  return bpf_skb_pull_data(skb, bytes) == 0 && (long)skb->data + bytes <= (long)skb->data_end;
}

/* Word-sized copies: a memcpy from a byte pointer is compiled byte by byte
 * (about ten times the instructions). Packet and map pointers may be
 * unaligned on the architectures with efficient unaligned access; the
 * stack side must be aligned to the word. */
static __always_inline void clt_copy_u32s(void* to, const void* from, const int words) {
#pragma unroll
  for (int i = 0; i < words; i++) ((__u32*)to)[i] = ((const __u32*)from)[i];
}

static __always_inline void clt_copy_u64s(void* to, const void* from, const int words) {
#pragma unroll
  for (int i = 0; i < words; i++) ((__u64*)to)[i] = ((const __u64*)from)[i];
}

/* The IPv6 header at l3 (at most 14: Ethernet), copied out of the linear
 * part. */
static __always_inline int clt_read_ipv6(struct __sk_buff* skb, __u32 l3, struct ipv6hdr* out) {
  if (l3 > 14 || !clt_linear(skb, l3 + sizeof(*out))) return 0;
  const __u8* at = (const __u8*)(long)skb->data + l3;
  if (at + sizeof(*out) > (const __u8*)(long)skb->data_end) return 0;
  clt_copy_u32s(out, at, sizeof(*out) / 4);
  return 1;
}

struct clt_l4 {
  __u8 protocol;
  __u16 offset; /* of the upper-layer header, from the IPv6 header */
};

/* The upper-layer protocol after at most CLT_MAX_EXT_HEADERS hop-by-hop,
 * routing, fragment or destination-options headers; 0 when not found. */
static __always_inline int clt_find_l4(struct __sk_buff* skb, __u32 l3, __u8 next,
                                       struct clt_l4* out) {
  __u32 offset = sizeof(struct ipv6hdr);
#pragma unroll
  for (int i = 0; i < CLT_MAX_EXT_HEADERS; i++) {
    if (next == IPPROTO_TCP || next == IPPROTO_UDP) {
      out->protocol = next;
      out->offset = (__u16)offset;
      return 1;
    }
    __u8 ext[2];
    if (next != CLT_NEXTHDR_HOP && next != CLT_NEXTHDR_ROUTING && next != CLT_NEXTHDR_FRAGMENT &&
        next != CLT_NEXTHDR_DEST)
      return 0;
    if (bpf_skb_load_bytes(skb, l3 + offset, ext, sizeof ext) != 0) return 0;
    offset += next == CLT_NEXTHDR_FRAGMENT ? 8 : ((__u32)ext[1] + 1) * 8;
    next = ext[0];
  }
  return 0;
}

/* The flow (addresses, ports, protocol) a packet belongs to. */
static __always_inline void clt_flow_key_of(const struct ipv6hdr* ip6, __u32 ports, __u8 protocol,
                                            struct clt_flow_key* key) {
  __builtin_memcpy(key->saddr, &ip6->saddr, 16);
  __builtin_memcpy(key->daddr, &ip6->daddr, 16);
  __builtin_memcpy(&key->sport, &ports, 4);
  key->protocol = protocol;
}

/* The flow key of the packet whose transport header is at th; 0 when its
 * ports cannot be read. */
static __always_inline int clt_flow_key_at(struct __sk_buff* skb, __u32 th,
                                           const struct ipv6hdr* ip6, __u8 protocol,
                                           struct clt_flow_key* key) {
  __u32 ports;
  if (bpf_skb_load_bytes(skb, th, &ports, sizeof ports) != 0) return 0;
  clt_flow_key_of(ip6, ports, protocol, key);
  return 1;
}

#endif
