#pragma once

// CLT on an application's socket, on a stock kernel. Two paths, chosen per
// socket:
//  - with the eBPF datapath loaded (`clt agent --encap IFACE`), the span's
//    ids are bound to the socket through the datapath's private socket
//    option (no capability needed) and the datapath inserts the IOAM header
//    into every packet, stamping the sender's own entry per packet;
//  - otherwise the whole Hop-by-Hop header (PadN + IOAM Pre-allocated Trace
//    option + CLT trace/span ids) is set as a sticky IPV6_HOPOPTS option
//    (CAP_NET_RAW), the own entry stamped once when the span starts.
// Every packet the socket sends while a span is active carries its ids; the
// IOAM nodes on the path fill their slots.
//
//   auto encap = clt::encap::Encapsulator::create(config, error);
//   {
//     clt::encap::ScopedClt clt(*encap, fd, trace_id, span_id);  // span starts
//     ... send the request ...
//   }                                                             // span ends

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/encode.h"
#include "core/ids.h"
#include "core/trace_type.h"
#include "encap/node_facts.h"

namespace clt::encap {

using core::SpanId;
using core::TraceId;

// Hop limit + node id, ingress/egress ids, timestamp seconds and fraction,
// namespace data, queue depth (bits 0,1,2,3,5,6): 24 bytes per node.
inline constexpr std::uint32_t kDefaultTraceType =
    core::trace_bits::kHopLimitNodeId | core::trace_bits::kIngressEgress |
    core::trace_bits::kTimestampSecs | core::trace_bits::kTimestampFrac |
    core::trace_bits::kNamespaceData | core::trace_bits::kQueueDepth;
static_assert(kDefaultTraceType == 0xf60000);
inline constexpr std::uint16_t kDefaultNamespaceId = 123;
// The default topology has three IOAM nodes (sender, router, server); one
// spare slot absorbs a longer path without losing the ids.
inline constexpr std::uint8_t kDefaultSlots = 4;

enum class TraceIdBits : std::uint8_t { k64 = 64, k128 = 128 };

// An IPv6 prefix of the IOAM domain (RFC 9486: IOAM must not leave it).
struct Prefix {
  std::array<std::uint8_t, 16> address{};
  std::uint8_t length = 0;  // 0..128

  // "fd00::/8", "fd00:1::1" (= /128). nullopt on anything else.
  static std::optional<Prefix> parse(std::string_view text);
  bool contains(const std::array<std::uint8_t, 16>& addr) const;
  std::string to_string() const;
};

struct Config {
  std::uint16_t namespace_id = kDefaultNamespaceId;
  std::uint32_t trace_type = kDefaultTraceType;  // 24 bits
  std::uint8_t slots = kDefaultSlots;            // including the own entry's slot
  // With trace-type bit 22 (opaque state snapshot), the extra 4-byte words
  // each slot needs, which NodeLen does not count: 1 + the data words of the
  // largest schema on the path.
  std::uint8_t opaque_words_per_slot = 0;
  TraceIdBits trace_id_bits = TraceIdBits::k128;  // k64 carries the low 8 bytes
  // Fill the last slot with this node's own data so that the sender appears
  // on the path as its first node.
  bool own_entry = true;
  // Peers inside these prefixes get CLT; any other peer is left untouched.
  // Default: unique local addresses (fc00::/7). "::/0" means everywhere.
  std::vector<Prefix> domain = {*Prefix::parse("fc00::/7")};
  // The own entry's values, when not read from this node's sysctls and IOAM
  // namespace table (net.ipv6.ioam6_id, conf.IF.ioam6_id, `ip ioam namespace`).
  std::optional<std::uint32_t> node_id;
  std::optional<std::uint32_t> namespace_data;
};

// Outcome of enable / disable. kOk and kOutsideDomain are not failures: an
// application may call enable unconditionally.
enum class Status : std::uint8_t {
  kOk = 0,
  kOutsideDomain,      // the peer is outside the IOAM domain: nothing changed
  kBadDescriptor,      // not an open file descriptor
  kNotSocket,          // the descriptor is not a socket
  kNotIpv6,            // not an AF_INET6 socket (IPv4 cannot carry IOAM)
  kUnsupportedSocket,  // neither TCP nor UDP
  kNotConnected,       // no peer yet (unconnected UDP, TCP before connect)
  kNoPermission,       // IPV6_HOPOPTS needs CAP_NET_RAW
  kInvalidConfig,      // the configuration is not a valid IOAM trace
  kConfigTooLarge,     // the configuration does not fit in one IOAM option
  kSystemError,        // any other errno from the kernel (see Result::sys_errno)
};

struct Result {
  Status status = Status::kOk;
  int sys_errno = 0;  // errno behind the status, 0 when none
  bool ok() const { return status == Status::kOk || status == Status::kOutsideDomain; }
  bool applied() const { return status == Status::kOk; }
};

// Stable short name ("ok", "outside-domain", ...).
const char* to_string(Status s);
// One sentence: what went wrong and what to do about it.
const char* describe(Status s);

// Checks a configuration without touching any socket. message (if given)
// receives an actionable sentence on failure.
Status validate(const Config& config, std::string* message = nullptr);

// The Hop-by-Hop header layout a configuration selects (CLT layout).
core::HopByHopSpec hop_by_hop_spec(const Config& config);
// The node's facts with the values the configuration sets instead
// (node_id, namespace_data) written over them.
NodeFacts with_configured_values(NodeFacts facts, const Config& config);
// The trace id as carried: with 64-bit ids only the low 8 bytes, the high 8 zero.
core::TraceId carried_trace_id(const core::TraceId& id, TraceIdBits bits);

class Encapsulator;

// A socket checked once (peer, IOAM domain, protocol, source address, hop
// limit) so that each span then costs one setsockopt to enable and one to
// disable: the fast path for a keep-alive connection carrying many spans.
// With the eBPF datapath a TCP socket keeps the header's room between spans
// (disable unbinds only the ids; the datapath removes the room from packets
// sent between spans), so the kernel changes no option at a span's edges;
// so does Encapsulator::disable. Valid while the socket stays connected to the same peer.
class PreparedSocket {
 public:
  // Outcome of the checks: kOk (enable will set CLT), kOutsideDomain (enable
  // will change nothing) or the reason it cannot be used.
  const Result& checks() const { return checks_; }
  int fd() const { return fd_; }
  // True when enable binds ids for the eBPF datapath rather than setting
  // the sticky header.
  bool uses_datapath() const { return datapath_; }
  Result enable(const TraceId& trace_id, const SpanId& span_id) const;
  Result disable() const;

 private:
  friend class Encapsulator;
  PreparedSocket(const Encapsulator& encap, int fd) : encap_(&encap), fd_(fd) {}

  const Encapsulator* encap_;
  int fd_;
  Result checks_;
  bool datapath_ = false;  // the eBPF datapath serves this socket
  int protocol_ = 0;       // IPPROTO_TCP or IPPROTO_UDP
  std::array<std::uint8_t, 16> local_address_{};
  std::uint8_t hop_limit_ = 64;
};

// Sets and clears CLT on sockets for one configuration. Built once (reads the
// node's IOAM facts); enable/disable are then cheap (no allocation; six
// syscalls to enable, one or two to disable; PreparedSocket: one each) and
// safe to call from several threads.
class Encapsulator {
 public:
  // Validates config and reads this node's facts; nullptr with error set on failure.
  static std::unique_ptr<Encapsulator> create(const Config& config, std::string& error);
  // Same with facts supplied by the caller (tests, or a node without sysctl access).
  static std::unique_ptr<Encapsulator> create(const Config& config, NodeFacts facts,
                                              std::string& error);

  // Installs the Hop-by-Hop header carrying (trace_id, span_id) on fd, replacing
  // whatever CLT header was there. kOutsideDomain leaves the socket untouched.
  Result enable(int fd, const TraceId& trace_id, const SpanId& span_id) const;
  // Removes CLT from fd (the datapath's ids or the sticky Hop-by-Hop
  // header). Safe to call when none is set.
  Result disable(int fd) const;
  // Does enable's checks once; see PreparedSocket.
  PreparedSocket prepare(int fd) const;

  // The header enable would install on a socket whose source address is
  // local_address (own entry's egress from that address), for inspection and
  // tests. Returns the length written into out, 0 if it does not fit.
  std::size_t build_header(const TraceId& trace_id, const SpanId& span_id,
                           const std::array<std::uint8_t, 16>& local_address,
                           std::uint8_t hop_limit, std::uint8_t* out, std::size_t out_size) const;

  const Config& config() const { return config_; }
  const NodeFacts& facts() const { return facts_; }
  std::size_t header_size() const { return header_size_; }

 private:
  friend class PreparedSocket;
  Encapsulator(const Config& config, NodeFacts facts);
  Result bind_ids(int fd, const TraceId& trace_id, const SpanId& span_id,
                  bool room_may_be_kept) const;
  bool in_domain(const std::array<std::uint8_t, 16>& peer) const;

  Config config_;
  NodeFacts facts_;
  core::HopByHopSpec spec_;
  std::size_t header_size_ = 0;
};

// Keeps CLT on a socket for a scope (typically a span). Disables on
// destruction only if it enabled.
class ScopedClt {
 public:
  ScopedClt(const Encapsulator& encap, int fd, const TraceId& trace_id, const SpanId& span_id)
      : encap_(&encap), fd_(fd), result_(encap.enable(fd, trace_id, span_id)) {}
  ~ScopedClt() {
    if (!result_.applied()) return;
    if (encap_ != nullptr) encap_->disable(fd_);
    if (prepared_ != nullptr) prepared_->disable();
  }
  // The PreparedSocket must outlive the scope.
  ScopedClt(const PreparedSocket& socket, const TraceId& trace_id, const SpanId& span_id)
      : prepared_(&socket), fd_(socket.fd()), result_(socket.enable(trace_id, span_id)) {}
  ScopedClt(ScopedClt&& other) noexcept
      : encap_(other.encap_), prepared_(other.prepared_), fd_(other.fd_), result_(other.result_) {
    other.encap_ = nullptr;
    other.prepared_ = nullptr;
  }
  ScopedClt(const ScopedClt&) = delete;
  ScopedClt& operator=(const ScopedClt&) = delete;
  ScopedClt& operator=(ScopedClt&&) = delete;

  const Result& result() const { return result_; }

 private:
  const Encapsulator* encap_ = nullptr;
  const PreparedSocket* prepared_ = nullptr;
  int fd_;
  Result result_;
};

}  // namespace clt::encap
