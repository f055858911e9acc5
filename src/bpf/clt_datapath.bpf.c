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
#include "clt_maps.bpf.h"
#include "clt_parse.bpf.h"
#include "clt_stamp.bpf.h"

#define CLT_AF_INET6 10
#define CLT_SOL_TCP 6
#define CLT_PAGE_SIZE 4096

/* The address as two 64-bit words in memory order, as the prefixes hold it. */
static __always_inline int clt_in_domain_words(__u64 a0, __u64 a1) {
  const __u64 a[2] = {a0, a1};
  const __u32 count = clt_domain_prefixes.count;
  for (__u32 i = 0; i < CLT_MAX_PREFIXES; i++) {
    if (i >= count) return 0;
    const struct clt_prefix* p = &clt_domain_prefixes.prefixes[i];
    if ((a[0] & p->mask[0]) == p->address[0] && (a[1] & p->mask[1]) == p->address[1]) return 1;
  }
  return 0;
}

static __always_inline int clt_in_domain(const void* address) {
  __u64 a[2];
  __builtin_memcpy(a, address, 16);
  return clt_in_domain_words(a[0], a[1]);
}

static __always_inline const struct clt_socket_ids* clt_socket_ids_of(struct __sk_buff* skb) {
  struct bpf_sock* sk = skb->sk;
  if (!sk) return 0;
  sk = bpf_sk_fullsock(sk);
  if (!sk) return 0;
  return bpf_sk_storage_get(&clt_socket_ids, sk, 0, 0);
}

static __always_inline const struct clt_socket_ids* clt_flow_ids_of(struct __sk_buff* skb, __u32 l3,
                                                                    const struct ipv6hdr* ip6,
                                                                    const struct clt_l4* l4) {
  struct clt_flow_key key = {};
  __builtin_memcpy(key.saddr, &ip6->saddr, 16);
  __builtin_memcpy(key.daddr, &ip6->daddr, 16);
  __u16 ports[2];
  if (bpf_skb_load_bytes(skb, l3 + l4->offset, ports, sizeof ports) != 0) return 0;
  key.sport = ports[0];
  key.dport = ports[1];
  key.protocol = l4->protocol;
  return bpf_map_lookup_elem(&clt_flow_ids, &key);
}

SEC("tc")
int clt_encap_egress(struct __sk_buff* skb) {
  const struct clt_socket_ids* ids = clt_socket_ids_of(skb);
  if (!ids && !clt_flow_ids_enabled) {
    clt_count(CLT_CNT_NO_IDS);
    return TC_ACT_OK;
  }
  if (skb->protocol != bpf_htons(ETH_P_IPV6)) {
    clt_count(ids ? CLT_CNT_NOT_IPV6 : CLT_CNT_NO_IDS);
    return TC_ACT_OK;
  }
  const __u32 ifindex = skb->ifindex;
  const struct clt_encap_template* t = bpf_map_lookup_elem(&clt_templates, &ifindex);
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
  struct clt_l4 l4 = {};
  const int has_l4 = clt_find_l4(skb, l3, ip6.nexthdr, &l4);
  if (!ids && has_l4) ids = clt_flow_ids_of(skb, l3, &ip6, &l4);
  if (!ids) {
    clt_count(CLT_CNT_NO_IDS);
    return TC_ACT_OK;
  }
  if (ip6.nexthdr == CLT_NEXTHDR_HOP) {
    clt_count(CLT_CNT_HAS_HOP_BY_HOP);
    return TC_ACT_OK;
  }
  if (!has_l4) {
    clt_count(CLT_CNT_NOT_TCP_UDP);
    return TC_ACT_OK;
  }
  if (!clt_in_domain(&ip6.daddr)) {
    clt_count(CLT_CNT_OUTSIDE_DOMAIN);
    return TC_ACT_OK;
  }
  clt_count(clt_insert_header(skb, t, ids, &ip6));
  return TC_ACT_OK;
}

SEC("cgroup/setsockopt")
int clt_setsockopt(struct bpf_sockopt* ctx) {
  if (ctx->level != CLT_SOL_DATAPATH || ctx->optname != CLT_SO_IDS) {
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
  if (value + CLT_IDS_BYTES > end) {
    bpf_sk_storage_delete(&clt_socket_ids, sk);
    clt_count(CLT_CNT_IDS_CLEARED);
    ctx->optlen = -1;
    return 1;
  }
  if (value + CLT_IDS_BYTES + 1 <= end) {
    clt_count(CLT_CNT_IDS_REFUSED);
    bpf_set_retval(-22 /* EINVAL */);
    return 0;
  }
  struct clt_socket_ids* ids =
      bpf_sk_storage_get(&clt_socket_ids, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (!ids) {
    clt_count(CLT_CNT_IDS_REFUSED);
    bpf_set_retval(-12 /* ENOMEM */);
    return 0;
  }
  __builtin_memcpy(ids->trace_id, value, 16);
  __builtin_memcpy(ids->span_id, value + 16, 8);
  ids->origin = CLT_ORIGIN_API;
  clt_count(CLT_CNT_IDS_SET);
  ctx->optlen = -1;
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
