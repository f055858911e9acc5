#include "capture/hop_by_hop_filter.h"

#include <linux/if_packet.h>
#include <sys/socket.h>

#include <array>

namespace clt::capture {

namespace {

// Enough for an IPv6 header plus any Hop-by-Hop header; the filter returns the
// whole packet anyway because the IPv6 payload length is checked when decoding.
constexpr unsigned kAcceptWholePacket = 0x40000;

constexpr sock_filter stmt(unsigned short code, unsigned k) {
  return sock_filter{code, 0, 0, k};
}
constexpr sock_filter jump(unsigned short code, unsigned k, unsigned char jt, unsigned char jf) {
  return sock_filter{code, jt, jf, k};
}

// clang-format off
constexpr std::array<sock_filter, 9> kProgram = {
    // Outgoing copies (this host's own transmissions) are not ingress traffic.
    stmt(BPF_LD | BPF_W | BPF_ABS, static_cast<unsigned>(SKF_AD_OFF + SKF_AD_PKTTYPE)),
    jump(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 5, 0),
    // IP version nibble must be 6.
    stmt(BPF_LD | BPF_B | BPF_ABS, 0),
    stmt(BPF_ALU | BPF_AND | BPF_K, 0xf0),
    jump(BPF_JMP | BPF_JEQ | BPF_K, 0x60, 0, 2),
    // Next Header (byte 6) must be Hop-by-Hop (0).
    stmt(BPF_LD | BPF_B | BPF_ABS, 6),
    jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
    stmt(BPF_RET | BPF_K, 0),
    stmt(BPF_RET | BPF_K, kAcceptWholePacket),
};
// clang-format on

}  // namespace

std::span<const sock_filter> hop_by_hop_filter() {
  return kProgram;
}

bool attach_hop_by_hop_filter(int fd) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(kProgram.size());
  prog.filter = const_cast<sock_filter*>(kProgram.data());
  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0;
}

}  // namespace clt::capture
