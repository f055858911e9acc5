/* The datapath's maps and its run-time settings. */
#ifndef CLT_BPF_MAPS_H
#define CLT_BPF_MAPS_H

/* UAPI types first: the libbpf headers build on them. */
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

#include "clt_datapath_abi.h"

#define CLT_MAX_INTERFACES 64
#define CLT_MAX_FLOWS 65536

/* Ids an application bound to its socket (cgroup/setsockopt). */
struct {
  __uint(type, BPF_MAP_TYPE_SK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct clt_socket_ids);
} clt_socket_ids SEC(".maps");

/* Ids bound to a flow rather than a socket; looked up only when
 * clt_flow_ids_enabled is set. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, CLT_MAX_FLOWS);
  __type(key, struct clt_flow_key);
  __type(value, struct clt_socket_ids);
} clt_flow_ids SEC(".maps");

/* Header templates of the egress interfaces: in slot ifindex % slots when
 * that slot is free (an array lookup, inlined), else in the hash below. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, CLT_TEMPLATE_SLOTS);
  __type(key, __u32);
  __type(value, struct clt_encap_template);
} clt_template_slots SEC(".maps");

/* ifindex -> header template of that egress interface. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, CLT_MAX_INTERFACES);
  __type(key, __u32);
  __type(value, struct clt_encap_template);
} clt_templates SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, CLT_CNT_MAX);
  __type(key, __u32);
  __type(value, __u64);
} clt_counters SEC(".maps");

/* Where one packet's IPv6 header and Hop-by-Hop header are assembled, to
 * be written with one store. */
#define CLT_IPV6_HEADER 40
struct clt_scratch {
  __u8 bytes[CLT_IPV6_HEADER + CLT_MAX_HEADER] __attribute__((aligned(8)));
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct clt_scratch);
} clt_scratch SEC(".maps");

/* Set by the loader before load. */
const volatile __u8 clt_flow_ids_enabled = 0;
/* The Hop-by-Hop header's length, the same in every template: fixed at load,
 * so the verifier knows it and the copy of the header takes one bounds check
 * and no per-word length test. */
const volatile __u32 clt_header_len = 0;
/* For benchmarks only: a packet whose socket has no ids takes those its
 * room carries. */
const volatile __u8 clt_room_ids_trusted = 0;
/* Updated by the loader while running: CLOCK_TAI minus CLOCK_REALTIME, and
 * the MSS given to TCP connections into the domain (0: none). */
volatile __s64 clt_tai_offset_ns = 0;
/* CLOCK_REALTIME minus CLOCK_MONOTONIC, for the departure times TCP gives
 * its packets. */
volatile __s64 clt_wall_minus_mono_ns = 0;
volatile __u32 clt_clamp_mss = 0;
/* The room the setsockopt hook reserves on a socket: the Hop-by-Hop
 * header's length (the same on every interface), 0 for none. */
volatile __u32 clt_room_len = 0;
/* Written once by the loader before the programs are attached. */
struct clt_domain clt_domain_prefixes = {};

static __always_inline const struct clt_encap_template* clt_template_of(__u32 ifindex) {
  const __u32 slot = ifindex % CLT_TEMPLATE_SLOTS;
  const struct clt_encap_template* t = bpf_map_lookup_elem(&clt_template_slots, &slot);
  if (t && t->ifindex == ifindex && t->header_len) return t;
  return bpf_map_lookup_elem(&clt_templates, &ifindex);
}

static __always_inline void clt_count(__u32 which) {
  __u64* value = bpf_map_lookup_elem(&clt_counters, &which);
  if (value) *value += 1;
}

#endif
