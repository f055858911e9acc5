#include "encap/clt_socket.h"

namespace clt::encap {

const char* to_string(Status s) {
  switch (s) {
    case Status::kOk:
      return "ok";
    case Status::kOutsideDomain:
      return "outside-domain";
    case Status::kBadDescriptor:
      return "bad-descriptor";
    case Status::kNotSocket:
      return "not-socket";
    case Status::kNotIpv6:
      return "not-ipv6";
    case Status::kUnsupportedSocket:
      return "unsupported-socket";
    case Status::kNotConnected:
      return "not-connected";
    case Status::kNoPermission:
      return "no-permission";
    case Status::kInvalidConfig:
      return "invalid-config";
    case Status::kConfigTooLarge:
      return "config-too-large";
    case Status::kSystemError:
      return "system-error";
  }
  return "unknown";
}

const char* describe(Status s) {
  switch (s) {
    case Status::kOk:
      return "CLT is set on the socket";
    case Status::kOutsideDomain:
      return "the peer is outside the IOAM domain, so the socket was left unchanged (not an "
             "error; add the peer's prefix to the domain to trace it)";
    case Status::kBadDescriptor:
      return "not an open file descriptor";
    case Status::kNotSocket:
      return "the descriptor is not a socket";
    case Status::kNotIpv6:
      return "not an IPv6 (AF_INET6) socket: IOAM travels in IPv6 Hop-by-Hop options only";
    case Status::kUnsupportedSocket:
      return "only TCP and UDP sockets are supported";
    case Status::kNotConnected:
      return "the socket has no peer yet: connect it first (an unconnected UDP socket cannot "
             "be checked against the IOAM domain)";
    case Status::kNoPermission:
      return "setting IPV6_HOPOPTS needs CAP_NET_RAW: run as root, or grant it with "
             "`setcap cap_net_raw+ep <program>` (or AmbientCapabilities=CAP_NET_RAW in a "
             "systemd unit)";
    case Status::kInvalidConfig:
      return "invalid CLT configuration (trace type must select at least one field of bits "
             "0-11 with bit 23 clear, at least one slot, trace ids of 64 or 128 bits)";
    case Status::kConfigTooLarge:
      return "the CLT configuration does not fit in one IOAM option (255 bytes): lower the "
             "slot count or select fewer trace-type fields";
    case Status::kSystemError:
      return "the kernel refused the socket option (see errno)";
  }
  return "unknown status";
}

}  // namespace clt::encap
