/* What the eBPF datapath and its user space agree on: the private socket
 * option applications use to hand their ids to the datapath, the map value
 * layouts and the counter indexes. Included by the BPF programs (C) and by
 * the loader and the client library (C++), so it uses only <linux/types.h>. */
#ifndef CLT_BPF_DATAPATH_ABI_H
#define CLT_BPF_DATAPATH_ABI_H

#include <linux/types.h>

/* setsockopt(fd, CLT_SOL_DATAPATH, CLT_SO_IDS, ids, 24) binds (trace id,
 * span id) to a socket that kept its room (below) from an earlier span: the
 * hook alone answers, without the kernel (no option change, no route lookup)
 * and with a value short enough for the kernel's on-stack copy. A TCP or UDP
 * socket without room is refused with ENOSPC and nothing bound: send the
 * full request (CLT_IDS_REQUEST_BYTES) then. 24 zero bytes unbind the ids
 * but keep the room; a shorter value (or none) clears the ids and the room.
 * Without the datapath's cgroup hook the kernel answers ENOPROTOOPT: the
 * level is no protocol's, so nothing else ever handles it. */
#define CLT_SOL_DATAPATH 0x434c54 /* "CLT" */
#define CLT_SO_IDS 1
#define CLT_IDS_BYTES 24

/* A value of CLT_IDS_REQUEST_BYTES (the ids, then room) also asks the hook
 * to reserve the header's room on a connected socket: it turns the call into
 * IPV6_RTHDR with a placeholder routing header as long as the Hop-by-Hop
 * header, which any process may set. The kernel then accounts for the room
 * itself (headroom, TCP MSS, UDP fragmentation), and the tc program rewrites
 * the placeholder into the Hop-by-Hop header in place: no packet grows, no
 * buffer is reallocated. Clearing the ids clears the placeholder too. */
#define CLT_IDS_REQUEST_BYTES (CLT_IDS_BYTES + CLT_MAX_HEADER)

/* The placeholder: a Segment Routing header (type 4) with Segments Left 0
 * and one segment, the peer (so routing is unchanged), then one TLV of this
 * type whose value is CLT_ROOM_MAGIC and the ids of the span that reserved
 * it. It never leaves the node: the tc program fills it with the ids the
 * socket has bound now, or removes it where the socket has none (between
 * spans, or after a restarted agent lost the bindings) or may not stamp. */
#define CLT_ROUTING_TYPE_SRH 4
#define CLT_ROOM_TLV_TYPE 0x7c
#define CLT_ROOM_MAGIC 0x434c5452 /* "CLTR" */
#define CLT_ROOM_TLV_OFFSET 24
#define CLT_ROOM_IDS_OFFSET (CLT_ROOM_TLV_OFFSET + 6)
#define CLT_ROOM_MIN 56

/* Who bound the ids: the application through the socket option, or the
 * datapath itself from the wire (a request's traceparent). The application's
 * ids win. */
#define CLT_ORIGIN_API 1
#define CLT_ORIGIN_WIRE 2

struct clt_socket_ids {
  __u8 trace_id[16]; /* as carried: a 64-bit trace id has its high 8 bytes zero */
  __u8 span_id[8];
  __u32 origin;
  __u16 room_len; /* the room this datapath had the kernel reserve on the socket */
  __u16 reserved;
};

/* A flow's ids when no socket carries them (wire-read mode, program tests):
 * the 5-tuple as the packet leaves, addresses and ports in network order. */
struct clt_flow_key {
  __u8 saddr[16];
  __u8 daddr[16];
  __u16 sport;
  __u16 dport;
  __u8 protocol;
  __u8 pad[3];
};

/* How much of a request the datapath reads for its traceparent header: the
 * first bytes of the TCP segment that starts it (request line included). */
#define CLT_WIRE_SCAN_BYTES 2048

/* The longest Hop-by-Hop header: one 255-byte option, its 2-byte header, the
 * 2-byte extension header and the PadN, rounded to 8. */
#define CLT_MAX_HEADER 264
#define CLT_FIELD_ABSENT 0xffff
/* Where the CLT layout puts the ids in the Hop-by-Hop header: right after
 * the 8-byte trace header, trace id then span id (src/core/encode.h). */
#define CLT_IDS_OFFSET 16

/* Per egress interface: the whole Hop-by-Hop header as src/core's encoder
 * builds it (own entry filled with this interface's static values), and where
 * the per-packet values go. Offsets count from the header's first byte. */
struct clt_encap_template {
  __u16 header_len;    /* multiple of 8, at most CLT_MAX_HEADER */
  __u16 l2_len;        /* bytes before the IPv6 header at tc (14 on Ethernet) */
  __u16 hop_limit_off; /* CLT_FIELD_ABSENT when the trace type lacks it */
  __u16 hop_limit_wide_off;
  __u16 ts_secs_off;
  __u16 ts_frac_off;
  __u32 ifindex; /* the interface this template is for */
  /* 8-byte aligned, so the program copies it in words, not bytes. */
  __u8 header[CLT_MAX_HEADER] __attribute__((aligned(8)));
};

/* Template slots: an interface's template sits in slot ifindex % slots
 * unless another interface took it first. */
#define CLT_TEMPLATE_SLOTS 64

/* The IOAM domain: destinations that may receive IOAM, as address/mask
 * pairs in network order (two 64-bit words each) checked in turn: a few
 * prefixes compare faster than an LPM trie lookup. */
#define CLT_MAX_PREFIXES 16
struct clt_prefix {
  __u64 address[2];
  __u64 mask[2];
};
struct clt_domain {
  __u32 count;
  __u32 reserved;
  struct clt_prefix prefixes[CLT_MAX_PREFIXES];
};

enum clt_counter {
  CLT_CNT_STAMPED = 0,    /* header inserted, own entry filled */
  CLT_CNT_NO_IDS,         /* the packet's socket (or flow) has no ids */
  CLT_CNT_OUTSIDE_DOMAIN, /* destination outside the IOAM domain */
  CLT_CNT_TOO_BIG,        /* would exceed the interface MTU: sent unchanged */
  CLT_CNT_NOT_IPV6,       /* ids on a socket whose packet is not IPv6 */
  CLT_CNT_NOT_TCP_UDP,    /* neither TCP nor UDP after the extension headers */
  CLT_CNT_HAS_HOP_BY_HOP, /* already carries a Hop-by-Hop header */
  CLT_CNT_ERROR,          /* a helper failed: sent unchanged */
  CLT_CNT_NO_TEMPLATE,    /* interface not configured (attached elsewhere) */
  CLT_CNT_IDS_SET,        /* setsockopt calls that bound ids */
  CLT_CNT_IDS_CLEARED,    /* setsockopt calls that cleared them */
  CLT_CNT_IDS_REFUSED,    /* malformed setsockopt values */
  CLT_CNT_MSS_CLAMPED,    /* TCP connects to the domain given a smaller MSS */
  CLT_CNT_ROOM_RESERVED,  /* setsockopt calls that reserved room on the socket */
  CLT_CNT_ROOM_REMOVED,   /* reserved room taken out of a packet it may not stamp */
  CLT_CNT_NO_ROOM,        /* a TCP socket's packet without reserved room: sent unchanged */
  /* Wire-read ids (--traceparent): */
  CLT_CNT_HTTP_REQUESTS,         /* HTTP/1.x requests seen leaving */
  CLT_CNT_REQUESTS_BOUND,        /* ... whose sampled traceparent bound their flow */
  CLT_CNT_TRACEPARENT_ABSENT,    /* ... with no traceparent in the bytes scanned */
  CLT_CNT_TRACEPARENT_INVALID,   /* ... with a malformed one: no CLT */
  CLT_CNT_TRACEPARENT_UNSAMPLED, /* ... with the sampled flag clear: no CLT */
  CLT_CNT_CLONED_FOR_INSERT,     /* socket packets sent as an unowned clone to take the header */
  CLT_CNT_MAX
};

#endif
