#include "encap/clt_socket.h"

#include "bpf/clt_datapath_abi.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace clt::encap {

namespace {

// Largest Hop-by-Hop header: one 255-byte option plus the header and PadN.
constexpr std::size_t kMaxHeader = 264;

using Address = std::array<std::uint8_t, 16>;

Address address_of(const sockaddr_in6& sa) {
  Address a;
  std::memcpy(a.data(), &sa.sin6_addr, 16);
  return a;
}

bool is_v4_mapped(const Address& a) {
  for (int i = 0; i < 10; ++i)
    if (a[i] != 0) return false;
  return a[10] == 0xff && a[11] == 0xff;
}

Status status_for_errno(int err) {
  switch (err) {
    case EBADF:
      return Status::kBadDescriptor;
    case ENOTSOCK:
      return Status::kNotSocket;
    case ENOPROTOOPT:
      return Status::kNotIpv6;
    case EPERM:
    case EACCES:
      return Status::kNoPermission;
    case ENOTCONN:
      return Status::kNotConnected;
    default:
      return Status::kSystemError;
  }
}

Result fail(Status s, int err = 0) {
  return Result{s, err};
}

// Distinguishes "not IPv6" from "not connected" when getpeername fails.
Result classify_unconnected(int fd, int err) {
  if (err != ENOTCONN) return fail(status_for_errno(err), err);
  int domain = 0;
  socklen_t len = sizeof domain;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain != AF_INET6)
    return fail(Status::kNotIpv6);
  return fail(Status::kNotConnected, err);
}

// Clears both sticky headers this library sets: the room a datapath that has
// since gone reserved (any process may), and the Hop-by-Hop header of the
// fallback, which only a process with CAP_NET_RAW can have set.
Result clear_sticky_header(int fd) {
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, nullptr, 0) != 0)
    return fail(status_for_errno(errno), errno);
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, nullptr, 0) != 0 && errno != EPERM)
    return fail(status_for_errno(errno), errno);
  return Result{};
}

// Clears the ids and the room. Where the datapath has gone, its room would
// leave the node (and a receiver drop it): both headers are cleared instead.
Result clear_datapath_ids(int fd) {
  if (::setsockopt(fd, CLT_SOL_DATAPATH, CLT_SO_IDS, nullptr, 0) == 0) return Result{};
  if (errno == ENOPROTOOPT) return clear_sticky_header(fd);
  return fail(status_for_errno(errno), errno);
}

// Unbinds the ids but lets the datapath keep the socket's room (TCP only)
// for its next span; where the datapath has gone, as clear_datapath_ids.
Result unbind_datapath_ids(int fd) {
  const std::uint8_t none[CLT_IDS_BYTES] = {};
  if (::setsockopt(fd, CLT_SOL_DATAPATH, CLT_SO_IDS, none, sizeof none) == 0) return Result{};
  if (errno == ENOPROTOOPT) return clear_sticky_header(fd);
  return fail(status_for_errno(errno), errno);
}

// Whether the datapath's socket hook serves this socket: it answers the
// private option (unbinding any ids; a TCP socket keeps its room), the
// kernel alone refuses it.
bool datapath_loaded(int fd, int protocol) {
  const std::uint8_t none[CLT_IDS_BYTES] = {};
  if (protocol == IPPROTO_TCP)
    return ::setsockopt(fd, CLT_SOL_DATAPATH, CLT_SO_IDS, none, sizeof none) == 0;
  return ::setsockopt(fd, CLT_SOL_DATAPATH, CLT_SO_IDS, nullptr, 0) == 0;
}

}  // namespace

core::HopByHopSpec hop_by_hop_spec(const Config& config) {
  core::HopByHopSpec spec;
  spec.namespace_id = config.namespace_id;
  spec.trace_type = config.trace_type;
  spec.slots = config.slots;
  spec.opaque_words_per_slot = config.opaque_words_per_slot;
  spec.layout = core::Layout::kClt;
  return spec;
}

NodeFacts with_configured_values(NodeFacts facts, const Config& config) {
  if (config.node_id) {
    facts.node_id = *config.node_id;
    facts.node_id_wide = *config.node_id;
  }
  if (config.namespace_data) facts.namespace_data = *config.namespace_data;
  return facts;
}

core::TraceId carried_trace_id(const core::TraceId& id, TraceIdBits bits) {
  if (bits == TraceIdBits::k128) return id;
  core::TraceId out{};
  std::memcpy(out.data() + 8, id.data() + 8, 8);
  return out;
}

Status validate(const Config& config, std::string* message) {
  auto fail_with = [&](Status s, std::string text) {
    if (message != nullptr) *message = std::move(text);
    return s;
  };
  if (config.trace_id_bits != TraceIdBits::k64 && config.trace_id_bits != TraceIdBits::k128)
    return fail_with(Status::kInvalidConfig, "trace ids must be 64 or 128 bits");
  const core::HopByHopSpec spec = hop_by_hop_spec(config);
  const core::EncodeError e = core::validate(spec);
  if (e == core::EncodeError::kTooLarge)
    return fail_with(Status::kConfigTooLarge, core::describe(e, spec));
  if (e != core::EncodeError::kOk)
    return fail_with(Status::kInvalidConfig, core::describe(e, spec));
  if (config.node_id && *config.node_id > 0xffffff)
    return fail_with(Status::kInvalidConfig, "the node id is 24 bits (at most 16777215)");
  if (message != nullptr) message->clear();
  return Status::kOk;
}

std::unique_ptr<Encapsulator> Encapsulator::create(const Config& config, std::string& error) {
  if (validate(config, &error) != Status::kOk) return nullptr;
  std::string facts_error;
  NodeFacts facts = read_node_facts(config.namespace_id, &facts_error);
  return create(config, std::move(facts), error);
}

std::unique_ptr<Encapsulator> Encapsulator::create(const Config& config, NodeFacts facts,
                                                   std::string& error) {
  if (validate(config, &error) != Status::kOk) return nullptr;
  return std::unique_ptr<Encapsulator>(new Encapsulator(config, std::move(facts)));
}

Encapsulator::Encapsulator(const Config& config, NodeFacts facts)
    : config_(config), facts_(with_configured_values(std::move(facts), config)) {
  spec_ = hop_by_hop_spec(config_);
  header_size_ = core::hop_by_hop_size(spec_);
}

bool Encapsulator::in_domain(const Address& peer) const {
  if (is_v4_mapped(peer)) return false;
  for (const auto& p : config_.domain)
    if (p.contains(peer)) return true;
  return false;
}

std::size_t Encapsulator::build_header(const TraceId& trace_id, const SpanId& span_id,
                                       const Address& local_address, std::uint8_t hop_limit,
                                       std::uint8_t* out, std::size_t out_size) const {
  core::NodeData own;
  const core::NodeData* own_ptr = nullptr;
  if (config_.own_entry) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    own = own_entry_for(facts_, facts_.interface_for(local_address), hop_limit, now);
    own_ptr = &own;
  }
  std::size_t written = 0;
  const core::EncodeError e =
      core::encode_hop_by_hop(spec_, carried_trace_id(trace_id, config_.trace_id_bits), span_id,
                              own_ptr, std::span<std::uint8_t>(out, out_size), written);
  return e == core::EncodeError::kOk ? written : 0;
}

PreparedSocket Encapsulator::prepare(int fd) const {
  PreparedSocket s(*this, fd);
  s.hop_limit_ = facts_.default_hop_limit;
  sockaddr_in6 peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
    s.checks_ = classify_unconnected(fd, errno);
    return s;
  }
  if (peer.sin6_family != AF_INET6) {
    s.checks_ = fail(Status::kNotIpv6);
    return s;
  }
  int protocol = 0;
  len = sizeof protocol;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) {
    s.checks_ = fail(status_for_errno(errno), errno);
    return s;
  }
  if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) {
    s.checks_ = fail(Status::kUnsupportedSocket);
    return s;
  }
  if (!in_domain(address_of(peer))) {
    s.checks_ = fail(Status::kOutsideDomain);
    return s;
  }
  s.datapath_ = datapath_loaded(fd, protocol);
  s.protocol_ = protocol;
  if (config_.own_entry) {
    sockaddr_in6 self{};
    len = sizeof self;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len) == 0)
      s.local_address_ = address_of(self);
    int hops = -1;
    len = sizeof hops;
    if (::getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, &len) == 0 && hops > 0)
      s.hop_limit_ = static_cast<std::uint8_t>(hops);
  }
  return s;
}

Result PreparedSocket::enable(const TraceId& trace_id, const SpanId& span_id) const {
  if (checks_.status != Status::kOk) return checks_;
  if (datapath_) {
    // A TCP socket may have kept its room from an earlier span.
    const Result bound = encap_->bind_ids(fd_, trace_id, span_id, protocol_ == IPPROTO_TCP);
    // The datapath went away since prepare: fall back to the sticky header,
    // without the room it may have reserved, which would now leave the node.
    if (bound.sys_errno != ENOPROTOOPT) return bound;
    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_RTHDR, nullptr, 0);
  }
  std::uint8_t header[kMaxHeader];
  const std::size_t size =
      encap_->build_header(trace_id, span_id, local_address_, hop_limit_, header, sizeof header);
  if (size == 0) return fail(Status::kInvalidConfig);
  if (::setsockopt(fd_, IPPROTO_IPV6, IPV6_HOPOPTS, header, static_cast<socklen_t>(size)) != 0)
    return fail(status_for_errno(errno), errno);
  return Result{};
}

Result PreparedSocket::disable() const {
  if (checks_.status != Status::kOk) return checks_;
  if (datapath_)
    return protocol_ == IPPROTO_TCP ? unbind_datapath_ids(fd_) : clear_datapath_ids(fd_);
  return clear_sticky_header(fd_);
}

Result Encapsulator::enable(int fd, const TraceId& trace_id, const SpanId& span_id) const {
  return prepare(fd).enable(trace_id, span_id);
}

Result Encapsulator::bind_ids(int fd, const TraceId& trace_id, const SpanId& span_id,
                              bool room_may_be_kept) const {
  // The full request also has the datapath reserve the header's room.
  std::uint8_t ids[CLT_IDS_REQUEST_BYTES] = {};
  const TraceId carried = carried_trace_id(trace_id, config_.trace_id_bits);
  std::memcpy(ids, carried.data(), 16);
  std::memcpy(ids + 16, span_id.data(), 8);
  // The ids alone fit the kernel's on-stack copy of the value; the hook
  // answers ENOSPC when the room they need is not there.
  if (room_may_be_kept) {
    if (::setsockopt(fd, CLT_SOL_DATAPATH, CLT_SO_IDS, ids, CLT_IDS_BYTES) == 0) return Result{};
    if (errno == ENOPROTOOPT) return fail(Status::kSystemError, errno);
  }
  if (::setsockopt(fd, CLT_SOL_DATAPATH, CLT_SO_IDS, ids, sizeof ids) != 0) {
    const int err = errno;
    // The kernel refused the room the hook asked for: clear what the hook
    // recorded, so that the next span asks again.
    if (err != ENOPROTOOPT) clear_datapath_ids(fd);
    return fail(err == ENOPROTOOPT ? Status::kSystemError : status_for_errno(err), err);
  }
  return Result{};
}

Result Encapsulator::disable(int fd) const {
  // A TCP socket unbinds and keeps its room, as a PreparedSocket's span end.
  int protocol = 0;
  socklen_t len = sizeof protocol;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) protocol = 0;
  if (datapath_loaded(fd, protocol)) return Result{};  // probing unbound the ids
  return clear_sticky_header(fd);
}

}  // namespace clt::encap
