/* The IOAM domain test: destinations that may receive IOAM. */
#ifndef CLT_BPF_DOMAIN_H
#define CLT_BPF_DOMAIN_H

/* UAPI types first: the libbpf headers build on them. */
#include <linux/bpf.h>

#include "clt_maps.bpf.h"

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

#endif
