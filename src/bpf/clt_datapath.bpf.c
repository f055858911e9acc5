/* The CLT datapath:
 *  - clt_encap_egress (tc egress): IPv6 TCP/UDP packets into the IOAM domain
 *    whose socket carries CLT ids get the IOAM Hop-by-Hop header, with the
 *    sender's own entry stamped for that packet;
 *  - clt_setsockopt (cgroup/setsockopt): the private CLT_SO_IDS option binds
 *    ids to a socket, so an application needs no capability;
 *  - clt_sockops (sockops): TCP connections into the domain get an MSS that
 *    leaves room for the header, so full-size segments still fit the MTU. */
/* UAPI types first: the libbpf headers build on them. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/socket.h>
#include <linux/tcp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "clt_datapath_abi.h"
#include "clt_domain.bpf.h"
#include "clt_maps.bpf.h"
#include "clt_parse.bpf.h"
#include "clt_room.bpf.h"
#include "clt_stamp.bpf.h"
#include "clt_wire.bpf.h"

#define CLT_AF_INET6 10
#define CLT_SOL_TCP 6
#define CLT_SOL_IPV6 41
#define CLT_IPV6_RTHDR 57
#define CLT_PAGE_SIZE 4096

static __always_inline int clt_sent_by_tcp_socket(struct __sk_buff* skb) {
  struct bpf_sock* sk = skb->sk;
  if (!sk) return 0;
  sk = bpf_sk_fullsock(sk);
  return sk && sk->protocol == IPPROTO_TCP;
}

static __always_inline const struct clt_socket_ids* clt_flow_ids_of(struct __sk_buff* skb, __u32 l3,
                                                                    const struct ipv6hdr* ip6,
                                                                    const struct clt_l4* l4) {
  struct clt_flow_key key = {};
  if (!clt_flow_key_at(skb, l3 + l4->offset, ip6, l4->protocol, &key)) return 0;
  return bpf_map_lookup_elem(&clt_flow_ids, &key);
}

static __always_inline int clt_ids_bound(const __u8* ids) {
  const __u64* words = (const __u64*)ids;
  return (words[0] | words[1] | words[2]) != 0;
}

/* The ids (trace id, span id) the packet's socket has bound (socket
 * storage), or its flow's where the datapath holds flow ids; 0 for none. */
static __always_inline const __u8* clt_bound_ids_of(struct __sk_buff* skb, __u32 l3,
                                                    const struct ipv6hdr* ip6,
                                                    const struct clt_room* room) {
  /* The helper itself tells full sockets from request and time-wait ones. */
  struct bpf_sock* sk = skb->sk;
  const struct clt_socket_ids* bound = 0;
  if (sk) bound = bpf_sk_storage_get(&clt_socket_ids, sk, 0, 0);
  if (!bound && clt_flow_ids_enabled) {
    struct clt_l4 l4 = {};
    if (clt_find_l4(skb, l3, ip6->nexthdr, &l4)) bound = clt_flow_ids_of(skb, l3, ip6, &l4);
  }
  if (bound) return clt_ids_bound(bound->trace_id) ? bound->trace_id : 0;
  const __u8* ids = (const __u8*)room->ids;
  return clt_room_ids_trusted && clt_ids_bound(ids) ? ids : 0;
}

SEC("tc")
int clt_encap_egress(struct __sk_buff* skb) {
  if (skb->protocol != bpf_htons(ETH_P_IPV6)) {
    clt_count(CLT_CNT_NO_IDS);
    return TC_ACT_OK;
  }
  const struct clt_encap_template* t = clt_template_of(skb->ifindex);
  if (!t) {
    clt_count(CLT_CNT_NO_TEMPLATE);
    return TC_ACT_OK;
  }
  const __u32 l3 = t->l2_len;
  struct ipv6hdr ip6;
  if (!clt_read_ipv6(skb, l3, &ip6)) {
    clt_count(CLT_CNT_ERROR);
    return TC_ACT_OK;
  }
  /* The room a socket reserved is filled with the ids it has bound now, or
   * removed: the placeholder must never leave the node. */
  struct clt_room room;
  const __u32 room_len = clt_read_room(skb, l3, &ip6, &room);
  if (room_len) {
    clt_count(clt_fill_room(skb, t, &ip6, &room, room_len, clt_bound_ids_of(skb, l3, &ip6, &room)));
    return TC_ACT_OK;
  }
  if (!clt_flow_ids_enabled) {
    clt_count(CLT_CNT_NO_IDS);
    return TC_ACT_OK;
  }
  /* One flow lookup per packet; a request starting in it may rebind the
   * flow (the ids it read are then used from the stack). */
  struct clt_l4 l4 = {};
  struct clt_flow_key key = {};
  struct clt_socket_ids read = {};
  const struct clt_socket_ids* ids = 0;
  const int has_l4 = clt_find_l4(skb, l3, ip6.nexthdr, &l4) &&
                     clt_flow_key_at(skb, l3 + l4.offset, &ip6, l4.protocol, &key);
  if (has_l4) {
    ids = bpf_map_lookup_elem(&clt_flow_ids, &key);
    if (clt_traceparent_enabled && l4.protocol == IPPROTO_TCP)
      ids = clt_wire_read_request(skb, l3 + l4.offset, &key, ids, &read);
  }
  if (!ids) {
    clt_count(CLT_CNT_NO_IDS);
    return TC_ACT_OK;
  }
  if (ip6.nexthdr == CLT_NEXTHDR_HOP) {
    clt_count(CLT_CNT_HAS_HOP_BY_HOP);
    return TC_ACT_OK;
  }
  if (!clt_in_domain(&ip6.daddr)) {
    clt_count(CLT_CNT_OUTSIDE_DOMAIN);
    return TC_ACT_OK;
  }
  /* Growing a socket's TCP packet reallocates its buffer without telling the
   * socket's memory accounting, which a local receiver can trip over: TCP
   * sockets get CLT through reserved room only. */
  if (l4.protocol == IPPROTO_TCP && clt_sent_by_tcp_socket(skb)) {
    if (clt_traceparent_enabled) return clt_insert_in_clone(skb, t);
    clt_count(CLT_CNT_NO_ROOM);
    return TC_ACT_OK;
  }
  clt_count(clt_insert_header(skb, t, ids, &ip6));
  return TC_ACT_OK;
}

/* tc ingress with --traceparent (the server's side): a request arriving
 * binds the flow of its response to its traceparent's ids. Never drops. */
SEC("tc")
int clt_wire_ingress(struct __sk_buff* skb) {
  if (skb->protocol != bpf_htons(ETH_P_IPV6)) return TC_ACT_OK;
  const struct clt_encap_template* t = clt_template_of(skb->ifindex);
  if (!t) return TC_ACT_OK;
  const __u32 l3 = t->l2_len;
  struct ipv6hdr ip6;
  struct clt_l4 l4 = {};
  if (clt_read_ipv6(skb, l3, &ip6) && clt_find_l4(skb, l3, ip6.nexthdr, &l4) &&
      l4.protocol == IPPROTO_TCP)
    clt_wire_read_arriving_request(skb, l3 + l4.offset, &ip6);
  return TC_ACT_OK;
}

/* The placeholder routing header of clt_room_len bytes, written over the
 * request's buffer (at least CLT_IDS_REQUEST_BYTES long): one segment, the
 * socket's peer, so the kernel routes and checksums as before. */
static __always_inline int clt_write_room(__u8* value, const __u8* end, const struct bpf_sock* sk,
                                          const struct clt_socket_ids* ids) {
  const __u32 len = clt_room_len;
  if (len < CLT_ROOM_MIN || len > CLT_MAX_HEADER || (len & 7) != 0) return 0;
  if (value + CLT_IDS_REQUEST_BYTES > end) return 0;
  const __u32 peer[4] = {sk->dst_ip6[0], sk->dst_ip6[1], sk->dst_ip6[2], sk->dst_ip6[3]};
  if ((peer[0] | peer[1] | peer[2] | peer[3]) == 0) return 0;
  if (!clt_in_domain(peer)) return 0;
  value[0] = 0; /* the kernel fills in the next header */
  value[1] = (__u8)(len / 8 - 1);
  value[2] = CLT_ROUTING_TYPE_SRH;
  value[3] = 0; /* segments left */
  value[4] = 0; /* last entry */
  value[5] = 0; /* flags: no HMAC */
  value[6] = 0;
  value[7] = 0;
  __builtin_memcpy(value + 8, peer, 16);
  value[CLT_ROOM_TLV_OFFSET] = CLT_ROOM_TLV_TYPE;
  value[CLT_ROOM_TLV_OFFSET + 1] = (__u8)(len - CLT_ROOM_TLV_OFFSET - 2);
  const __u32 magic = bpf_htonl(CLT_ROOM_MAGIC);
  __builtin_memcpy(value + CLT_ROOM_TLV_OFFSET + 2, &magic, 4);
  __builtin_memcpy(value + CLT_ROOM_IDS_OFFSET, ids->trace_id, CLT_IDS_BYTES);
  return (int)len;
}

static __always_inline int clt_is_ip_socket(const struct bpf_sock* sk) {
  return sk->family == CLT_AF_INET6 && (sk->protocol == IPPROTO_TCP || sk->protocol == IPPROTO_UDP);
}

/* Hands the call on to the kernel as IPV6_RTHDR with len bytes of the
 * buffer (0: the caller's own value, here none, which clears the option).
 * The context takes only 32-bit stores. */
static __always_inline void clt_to_routing_header(struct bpf_sockopt* ctx, int len) {
  *(volatile __s32*)&ctx->level = CLT_SOL_IPV6;
  *(volatile __s32*)&ctx->optname = CLT_IPV6_RTHDR;
  *(volatile __s32*)&ctx->optlen = len;
}

/* IPV6_RTHDR and the RFC 2292 options that can also set a routing header:
 * an application's own call replaces any room the datapath reserved. */
#define CLT_IPV6_2292RTHDR 5
#define CLT_IPV6_2292PKTOPTIONS 6

static __always_inline void clt_note_own_routing_header(struct bpf_sockopt* ctx) {
  if (ctx->level != CLT_SOL_IPV6) return;
  const int name = ctx->optname;
  if (name != CLT_IPV6_RTHDR && name != CLT_IPV6_2292RTHDR && name != CLT_IPV6_2292PKTOPTIONS)
    return;
  struct bpf_sock* sk = ctx->sk;
  if (!sk) return;
  struct clt_socket_ids* bound = bpf_sk_storage_get(&clt_socket_ids, sk, 0, 0);
  if (bound) bound->room_len = 0;
}

/* A value shorter than the ids: the ids go, and any room with them (the
 * kernel clears the option). */
static __always_inline int clt_clear_ids(struct bpf_sockopt* ctx, struct bpf_sock* sk) {
  /* Zeroed rather than deleted: the next span reuses the storage. */
  struct clt_socket_ids* bound = bpf_sk_storage_get(&clt_socket_ids, sk, 0, 0);
  if (bound) __builtin_memset(bound, 0, sizeof(*bound));
  clt_count(CLT_CNT_IDS_CLEARED);
  if (clt_is_ip_socket(sk)) {
    clt_to_routing_header(ctx, 0);
  } else {
    ctx->optlen = -1;
  }
  return 1;
}

/* Zero ids: unbound, and a TCP socket keeps its room for the next span, so
 * the kernel is not involved. Only a TCP socket may: the placeholder routes
 * to the peer it was reserved for, and a connected UDP socket may be
 * connected elsewhere before its next span, so it clears its ids and room
 * with an empty value (which the kernel can be handed on as a clear; a
 * value of 24 bytes cannot). */
static __always_inline int clt_unbind_ids(struct bpf_sockopt* ctx, struct bpf_sock* sk) {
  if (sk->protocol != IPPROTO_TCP) {
    clt_count(CLT_CNT_IDS_REFUSED);
    bpf_set_retval(-22 /* EINVAL */);
    return 0;
  }
  struct clt_socket_ids* bound = bpf_sk_storage_get(&clt_socket_ids, sk, 0, 0);
  if (bound) {
    __builtin_memset(bound->trace_id, 0, CLT_IDS_BYTES);
    bound->origin = 0;
  }
  clt_count(CLT_CNT_IDS_CLEARED);
  ctx->optlen = -1;
  return 1;
}

SEC("cgroup/setsockopt")
int clt_setsockopt(struct bpf_sockopt* ctx) {
  if (ctx->level != CLT_SOL_DATAPATH || ctx->optname != CLT_SO_IDS) {
    clt_note_own_routing_header(ctx);
    /* Beyond a page the program sees a truncated copy: hand the kernel the
     * caller's own buffer. */
    if (ctx->optlen > CLT_PAGE_SIZE) ctx->optlen = 0;
    return 1;
  }
  struct bpf_sock* sk = ctx->sk;
  if (!sk) return 1;
  /* The buffer's length, not ctx->optlen: another datapath's hook earlier in
   * the chain may already have marked the option handled (-1). */
  __u8* value = ctx->optval;
  __u8* end = ctx->optval_end;
  if (value + CLT_IDS_BYTES > end) return clt_clear_ids(ctx, sk);
  if (value + CLT_IDS_BYTES + 1 <= end && value + CLT_IDS_REQUEST_BYTES != end) {
    clt_count(CLT_CNT_IDS_REFUSED);
    bpf_set_retval(-22 /* EINVAL */);
    return 0;
  }
  if (!clt_ids_bound(value)) return clt_unbind_ids(ctx, sk);
  struct clt_socket_ids* ids =
      bpf_sk_storage_get(&clt_socket_ids, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (!ids) {
    clt_count(CLT_CNT_IDS_REFUSED);
    bpf_set_retval(-12 /* ENOMEM */);
    return 0;
  }
  const int room_kept = ids->room_len && ids->room_len == clt_room_len;
  /* Ids alone bind only into room an earlier span reserved. */
  if (!room_kept && clt_room_len && value + CLT_IDS_REQUEST_BYTES != end && clt_is_ip_socket(sk)) {
    bpf_set_retval(-28 /* ENOSPC */);
    return 0;
  }
  clt_copy_u64s(ids->trace_id, value, CLT_IDS_BYTES / 8);
  ids->origin = CLT_ORIGIN_API;
  clt_count(CLT_CNT_IDS_SET);
  /* The room an earlier span reserved serves this one. */
  if (room_kept) {
    ctx->optlen = -1;
    return 1;
  }
  const int room = clt_is_ip_socket(sk) ? clt_write_room(value, end, sk, ids) : 0;
  if (room > 0) {
    clt_to_routing_header(ctx, room);
    ids->room_len = (__u16)room;
    clt_count(CLT_CNT_ROOM_RESERVED);
  } else {
    ctx->optlen = -1;
  }
  return 1;
}

SEC("sockops")
int clt_sockops(struct bpf_sock_ops* ops) {
  if (ops->op != BPF_SOCK_OPS_TCP_CONNECT_CB || ops->family != CLT_AF_INET6) return 1;
  int mss = (int)clt_clamp_mss;
  if (mss <= 0) return 1;
  /* The context allows only 32-bit reads of the address. */
  const __u64 r0 = *(volatile __u32*)&ops->remote_ip6[0];
  const __u64 r1 = *(volatile __u32*)&ops->remote_ip6[1];
  const __u64 r2 = *(volatile __u32*)&ops->remote_ip6[2];
  const __u64 r3 = *(volatile __u32*)&ops->remote_ip6[3];
  if (!clt_in_domain_words(r0 | r1 << 32, r2 | r3 << 32)) return 1;
  if (bpf_setsockopt(ops, CLT_SOL_TCP, TCP_MAXSEG, &mss, sizeof mss) == 0)
    clt_count(CLT_CNT_MSS_CLAMPED);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
