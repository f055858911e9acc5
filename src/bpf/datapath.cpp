#include "bpf/datapath.h"

#include <linux/bpf.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>

#include "bpf/cgroup_v2.h"
#include "bpf/encap_template.h"
#include "core/encode.h"
#include "encap/node_facts.h"

namespace clt::bpf {

namespace {

// BPF object names are 15 characters: what tcx reports for our program.
constexpr std::string_view kEncapProgramName = "clt_encap_egres";
constexpr unsigned kIpv6HeaderBytes = 40;
constexpr unsigned kTcpHeaderBytes = 20;

struct LinkFacts {
  unsigned mtu = 0;
  unsigned l2_len = 0;
};

// MTU and the bytes before the IPv6 header that tc sees on this interface.
bool link_facts(const std::string& name, LinkFacts& out, std::string& error) {
  os::UniqueFd sock(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq req{};
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (!sock || ::ioctl(sock.get(), SIOCGIFMTU, &req) != 0) {
    error = "cannot read the MTU of '" + name + "': " + std::strerror(errno);
    return false;
  }
  out.mtu = static_cast<unsigned>(req.ifr_mtu);
  if (::ioctl(sock.get(), SIOCGIFHWADDR, &req) != 0) {
    error = "cannot read the link type of '" + name + "': " + std::strerror(errno);
    return false;
  }
  switch (req.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK:
      out.l2_len = 14;
      return true;
    case ARPHRD_NONE:
    case ARPHRD_RAWIP:
      out.l2_len = 0;
      return true;
    default:
      error = "interface '" + name + "' has link type " + std::to_string(req.ifr_hwaddr.sa_family) +
              ": the datapath stamps on Ethernet and raw IP interfaces only";
      return false;
  }
}

// Address/mask words of each prefix, in network order like the packet's.
bool domain_words(const std::vector<encap::Prefix>& domain, clt_domain& out, std::string& error) {
  if (domain.size() > CLT_MAX_PREFIXES) {
    error = "the datapath takes at most " + std::to_string(CLT_MAX_PREFIXES) +
            " domain prefixes; merge some (" + std::to_string(domain.size()) + " given)";
    return false;
  }
  std::memset(&out, 0, sizeof out);
  for (const auto& p : domain) {
    std::uint8_t mask[16] = {};
    for (unsigned bit = 0; bit < p.length; ++bit)
      mask[bit / 8] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
    std::uint8_t address[16];
    for (int i = 0; i < 16; ++i) address[i] = p.address[static_cast<std::size_t>(i)] & mask[i];
    auto& slot = out.prefixes[out.count++];
    std::memcpy(slot.address, address, 16);
    std::memcpy(slot.mask, mask, 16);
  }
  return true;
}

}  // namespace

const char* counter_name(clt_counter counter) {
  switch (counter) {
    case CLT_CNT_STAMPED:
      return "stamped";
    case CLT_CNT_NO_IDS:
      return "skipped_no_ids";
    case CLT_CNT_OUTSIDE_DOMAIN:
      return "skipped_outside_domain";
    case CLT_CNT_TOO_BIG:
      return "skipped_too_big";
    case CLT_CNT_NOT_IPV6:
      return "skipped_not_ipv6";
    case CLT_CNT_NOT_TCP_UDP:
      return "skipped_not_tcp_udp";
    case CLT_CNT_HAS_HOP_BY_HOP:
      return "skipped_has_hop_by_hop";
    case CLT_CNT_ERROR:
      return "skipped_error";
    case CLT_CNT_NO_TEMPLATE:
      return "skipped_no_template";
    case CLT_CNT_IDS_SET:
      return "socket_ids_set";
    case CLT_CNT_IDS_CLEARED:
      return "socket_ids_cleared";
    case CLT_CNT_IDS_REFUSED:
      return "socket_ids_refused";
    case CLT_CNT_MSS_CLAMPED:
      return "tcp_mss_clamped";
    case CLT_CNT_ROOM_RESERVED:
      return "room_reserved";
    case CLT_CNT_ROOM_REMOVED:
      return "room_removed";
    case CLT_CNT_NO_ROOM:
      return "skipped_no_room";
    case CLT_CNT_HTTP_REQUESTS:
      return "http_requests_seen";
    case CLT_CNT_REQUESTS_BOUND:
      return "http_requests_bound";
    case CLT_CNT_TRACEPARENT_ABSENT:
      return "traceparent_absent";
    case CLT_CNT_TRACEPARENT_INVALID:
      return "traceparent_invalid";
    case CLT_CNT_TRACEPARENT_UNSAMPLED:
      return "traceparent_unsampled";
    case CLT_CNT_CLONED_FOR_INSERT:
      return "cloned_for_insert";
    case CLT_CNT_MAX:
      break;
  }
  return "unknown";
}

std::int64_t tai_offset_ns() {
  timespec tai{}, real{};
  ::clock_gettime(CLOCK_TAI, &tai);
  ::clock_gettime(CLOCK_REALTIME, &real);
  const std::int64_t diff_ns =
      (tai.tv_sec - real.tv_sec) * 1'000'000'000LL + (tai.tv_nsec - real.tv_nsec);
  // The offset is a whole number of seconds (leap seconds); round away the
  // time between the two reads.
  return (diff_ns + 500'000'000LL) / 1'000'000'000LL * 1'000'000'000LL;
}

std::int64_t wall_minus_mono_ns() {
  // The pair of reads closest together of a few: NTP slews the difference,
  // so it is not rounded like the TAI offset.
  std::int64_t best = 0, best_gap = std::numeric_limits<std::int64_t>::max();
  for (int i = 0; i < 3; ++i) {
    timespec mono0{}, real{}, mono1{};
    ::clock_gettime(CLOCK_MONOTONIC, &mono0);
    ::clock_gettime(CLOCK_REALTIME, &real);
    ::clock_gettime(CLOCK_MONOTONIC, &mono1);
    const auto ns = [](const timespec& t) { return t.tv_sec * 1'000'000'000LL + t.tv_nsec; };
    const std::int64_t gap = ns(mono1) - ns(mono0);
    if (gap < best_gap) {
      best_gap = gap;
      best = ns(real) - (ns(mono0) + gap / 2);
    }
  }
  return best;
}

std::uint32_t hop_by_hop_len(const encap::Config& ioam) {
  return static_cast<std::uint32_t>(core::hop_by_hop_size(encap::hop_by_hop_spec(ioam)));
}

bool configure_maps(DatapathObject& object, const encap::Config& ioam,
                    const encap::NodeFacts& facts, const std::vector<InterfaceTemplate>& interfaces,
                    std::string& error) {
  clt_domain domain{};
  if (!domain_words(ioam.domain, domain, error)) return false;
  object.set_domain(domain);
  std::set<std::uint32_t> taken_slots;
  for (const auto& itf : interfaces) {
    clt_encap_template t{};
    if (!build_template(ioam, facts, itf.facts, itf.l2_len, t, error)) return false;
    t.ifindex = itf.ifindex;
    const std::uint32_t slot = itf.ifindex % CLT_TEMPLATE_SLOTS;
    const bool in_slot = taken_slots.insert(slot).second;
    const std::uint32_t key = in_slot ? slot : itf.ifindex;
    if (!map_update(in_slot ? object.template_slots_map() : object.templates_map(), &key, &t,
                    error))
      return false;
  }
  return true;
}

std::unique_ptr<Datapath> Datapath::open(const DatapathConfig& config, std::string& error) {
  if (encap::validate(config.ioam, &error) != encap::Status::kOk) return nullptr;
  if (config.interfaces.empty()) {
    error = "no interface to stamp on: give --encap IFACE";
    return nullptr;
  }
  DatapathObject::Options options;
  options.flow_ids = config.flow_ids || config.traceparent;
  options.traceparent = config.traceparent;
  options.header_len = hop_by_hop_len(config.ioam);
  auto object = DatapathObject::load(options, error);
  if (!object) return nullptr;
  std::unique_ptr<Datapath> dp(new Datapath(std::move(object)));
  if (!dp->configure(config, error) || !dp->attach(config, error)) return nullptr;
  return dp;
}

bool Datapath::configure(const DatapathConfig& config, std::string& error) {
  const encap::NodeFacts facts = encap::read_node_facts(config.ioam.namespace_id);
  std::vector<InterfaceTemplate> templates;
  unsigned smallest_mtu = 65535;
  for (const auto& name : config.interfaces) {
    const unsigned ifindex = ::if_nametoindex(name.c_str());
    if (ifindex == 0) {
      error = "no interface '" + name + "' in this network namespace (see `ip link show`)";
      return false;
    }
    for (const auto& p : tcx_programs(ifindex, kAttachTcxEgress)) {
      if (p.name == kEncapProgramName) {
        error = "another clt datapath already stamps packets leaving '" + name +
                "' (BPF program id " + std::to_string(p.id) +
                "): stop that agent first, one per interface";
        return false;
      }
    }
    LinkFacts link;
    if (!link_facts(name, link, error)) return false;
    smallest_mtu = std::min(smallest_mtu, link.mtu);
    templates.push_back({ifindex, link.l2_len, facts.interface_by_index(ifindex)});
    ifindexes_.push_back(ifindex);
  }
  if (!configure_maps(*object_, config.ioam, facts, templates, error)) return false;
  header_size_ = hop_by_hop_len(config.ioam);
  // Sockets whose ids are read on the wire reserved no room: their full-size
  // segments must leave room for the header to be inserted.
  const bool clamp = config.clamp_mss || config.traceparent;
  if (clamp && smallest_mtu > kIpv6HeaderBytes + kTcpHeaderBytes + header_size_)
    clamp_mss_ =
        smallest_mtu - kIpv6HeaderBytes - kTcpHeaderBytes - static_cast<unsigned>(header_size_);
  object_->set_clamp_mss(clamp_mss_);
  object_->set_room_len(header_size_ >= CLT_ROOM_MIN ? static_cast<std::uint32_t>(header_size_)
                                                     : 0);
  sync_clock();
  return true;
}

RoomRelease Datapath::release_kept_rooms() const {
  return bpf::release_kept_rooms(object_->socket_ids_map());
}

bool Datapath::attach(const DatapathConfig& config, std::string& error) {
  for (const unsigned ifindex : ifindexes_) {
    auto link = attach_tcx(object_->encap_program(), ifindex, kAttachTcxEgress, error);
    if (!link) return false;
    links_.push_back(std::move(link));
    if (!config.traceparent) continue;
    // The server's side: requests arriving bind their responses' flows.
    auto ingress = attach_tcx(object_->wire_ingress_program(), ifindex, kAttachTcxIngress, error);
    if (!ingress) return false;
    links_.push_back(std::move(ingress));
  }
  const os::UniqueFd cgroup = open_cgroup(config.cgroup, error);
  if (!cgroup) return false;
  auto hook =
      attach_cgroup(object_->setsockopt_program(), cgroup.get(), BPF_CGROUP_SETSOCKOPT, error);
  if (!hook) return false;
  links_.push_back(std::move(hook));
  if (clamp_mss_ > 0) {
    auto sockops =
        attach_cgroup(object_->sockops_program(), cgroup.get(), BPF_CGROUP_SOCK_OPS, error);
    if (!sockops) return false;
    links_.push_back(std::move(sockops));
  }
  return true;
}

DatapathCounters read_counters(const DatapathObject& object) {
  DatapathCounters out{};
  const auto sums = percpu_sums(object.counters_map(), CLT_CNT_MAX);
  std::copy_n(sums.begin(), std::min(sums.size(), out.size()), out.begin());
  return out;
}

bool bind_flow_ids(const DatapathObject& object, const clt_flow_key& flow,
                   const core::TraceId& trace_id, const core::SpanId& span_id, std::string& error) {
  clt_socket_ids ids{};
  std::memcpy(ids.trace_id, trace_id.data(), 16);
  std::memcpy(ids.span_id, span_id.data(), 8);
  ids.origin = CLT_ORIGIN_API;
  return map_update(object.flow_ids_map(), &flow, &ids, error);
}

bool Datapath::bind_flow(const clt_flow_key& flow, const core::TraceId& trace_id,
                         const core::SpanId& span_id, std::string& error) {
  return bind_flow_ids(*object_, flow, trace_id, span_id, error);
}

ProgramStats Datapath::encap_program_stats() const {
  return program_stats(object_->encap_program());
}

DatapathCounters Datapath::counters() const {
  return read_counters(*object_);
}

void Datapath::sync_clock() {
  object_->set_tai_offset_ns(tai_offset_ns());
  object_->set_wall_minus_mono_ns(wall_minus_mono_ns());
}

}  // namespace clt::bpf
