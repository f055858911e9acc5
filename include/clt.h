/* Cross-Layer Telemetry on stock Linux: the C ABI of libclt.so.
 *
 * CLT puts an OpenTelemetry trace id and span id into the IOAM Hop-by-Hop
 * option of every packet an IPv6 TCP or UDP socket sends for a span, and the
 * IOAM nodes on the path add their data. Call clt_enable when a span starts
 * and clt_disable when it ends. With the eBPF datapath loaded on the node
 * (`clt agent --encap IFACE`) the ids are bound to the socket, the socket
 * reserves the option's room (a placeholder routing header, IPV6_RTHDR; a
 * TCP socket keeps it from one span to the next) and the datapath writes the
 * option into that room in every packet of a span: no capability is needed.
 * Without it the option is set on the socket (IPV6_HOPOPTS, CAP_NET_RAW).
 *
 * Configuration is process-wide. Without any configuration call the defaults
 * apply: IOAM namespace 123, trace type 0xf60000 (hop limit + node id,
 * interface ids, timestamps, namespace data, queue depth), 4 slots, 128-bit
 * trace ids, the node's own entry first on the path (from its sysctls), and
 * the IOAM domain fc00::/7. Configuration calls are not thread-safe with
 * respect to each other or to clt_enable; make them at start-up.
 * clt_enable / clt_disable are thread-safe.
 *
 * Return codes: 0 success, CLT_OUTSIDE_DOMAIN (positive, not an error: the
 * peer is outside the IOAM domain and nothing changed), otherwise a negative
 * errno-style code; clt_strerror says what it means and what to do.
 */
#ifndef CLT_H
#define CLT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CLT_API __attribute__((visibility("default")))
#else
#define CLT_API
#endif

#define CLT_OK 0
/* Not an error: the peer is outside the configured IOAM domain; the socket was
 * left untouched. */
#define CLT_OUTSIDE_DOMAIN 1

/* Failures are negative errno values:
 *   -EBADF        not an open descriptor
 *   -ENOTSOCK     not a socket
 *   -EAFNOSUPPORT not an AF_INET6 socket
 *   -EPROTOTYPE   neither TCP nor UDP
 *   -ENOTCONN     no peer yet (connect first; see the docs for unconnected UDP)
 *   -EPERM        CAP_NET_RAW missing (no datapath loaded on this node)
 *   -EINVAL       invalid configuration value
 *   -EMSGSIZE     configuration does not fit in one IOAM option
 *   any other -errno from the kernel */

/* Sets CLT on fd: trace_id is 16 bytes, span_id 8 bytes, big endian as in
 * W3C traceparent. */
CLT_API int clt_enable(int fd, const uint8_t trace_id[16], const uint8_t span_id[8]);
/* Removes CLT from fd (safe when not enabled). */
CLT_API int clt_disable(int fd);
/* Text for any code returned by this library (never NULL). */
CLT_API const char* clt_strerror(int code);

/* Configuration. Each returns 0 or a negative code, and applies only if valid
 * together with the rest of the configuration (nothing half-applied). */
CLT_API int clt_set_namespace(uint16_t namespace_id);
CLT_API int clt_set_trace_type(uint32_t trace_type); /* 24 bits */
CLT_API int clt_set_slots(uint8_t slots);
CLT_API int clt_set_trace_id_bits(int bits); /* 64 or 128 */
CLT_API int clt_set_own_entry(int enabled);  /* 0 or 1 */
/* Comma-separated IPv6 prefixes, e.g. "fd00::/8,2001:db8::/32"; "::/0" for all. */
CLT_API int clt_set_domain(const char* prefixes);
/* Overrides what is read from the node for its own entry. */
CLT_API int clt_set_node_id(uint32_t node_id);
CLT_API int clt_set_namespace_data(uint32_t namespace_data);
/* Re-reads the node's sysctls and IOAM namespace table (after `ip ioam`
 * changes); also done lazily by the first clt_enable. */
CLT_API int clt_refresh_node(void);

/* Current values (for display). */
CLT_API uint16_t clt_get_namespace(void);
CLT_API uint32_t clt_get_trace_type(void);
CLT_API uint8_t clt_get_slots(void);
/* Bytes of the Hop-by-Hop header clt_enable installs (0 if invalid). */
CLT_API int clt_header_size(void);

#ifdef __cplusplus
}
#endif

#endif /* CLT_H */
