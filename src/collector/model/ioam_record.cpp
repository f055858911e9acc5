#include "collector/model/ioam_record.h"

#include <cstring>

#include "core/trace_type.h"
#include "ioam_api.pb.h"

namespace clt::collector {

namespace {

using core::trace_bits::bit;
constexpr std::uint32_t kUnavailable = 0xffffffffu;

std::uint64_t load_bytes_be(const std::string& bytes, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n && i < bytes.size(); ++i)
    v = (v << 8) | static_cast<std::uint8_t>(bytes[i]);
  return v;
}

}  // namespace

std::size_t JoinKeyHash::operator()(const JoinKey& k) const noexcept {
  std::uint64_t a = 0, b = 0, c = 0;
  std::memcpy(&a, k.trace_id.data(), 8);
  std::memcpy(&b, k.trace_id.data() + 8, 8);
  std::memcpy(&c, k.span_id.data(), 8);
  std::uint64_t h = a * 0x9e3779b97f4a7c15ull;
  h ^= b + 0x7f4a7c159e3779b9ull + (h << 6) + (h >> 2);
  h ^= c + 0x94d049bb133111ebull + (h << 6) + (h >> 2);
  return static_cast<std::size_t>(h);
}

std::int64_t ioam_timestamp_us(bool has_secs, std::uint32_t secs, bool has_frac,
                               std::uint32_t frac) {
  if (!has_secs || secs == kUnavailable) return -1;
  std::int64_t us = static_cast<std::int64_t>(secs) * 1000000;
  if (has_frac) {
    if (frac >= 1000000) return -1;
    us += frac;
  }
  return us;
}

bool read_report(const ioam_api::IOAMTrace& report, std::int64_t received_us, JoinKey& key,
                 PacketMeta& meta, std::vector<HopSample>& hops, std::string& error) {
  if (static_cast<std::size_t>(report.nodes_size()) > kMaxHopsPerReport) {
    error = "report has " + std::to_string(report.nodes_size()) +
            " nodes; an IOAM trace holds at most 64";
    return false;
  }
  if (report.namespaceid() > 0xffff) {
    error = "NamespaceId " + std::to_string(report.namespaceid()) + " does not fit 16 bits";
    return false;
  }
  const std::uint32_t type = (report.bitfield() >> 8) & core::trace_bits::kMask;
  core::store_be64(key.trace_id.data(), report.traceid_high());
  core::store_be64(key.trace_id.data() + 8, report.traceid_low());
  core::store_be64(key.span_id.data(), report.spanid());
  meta.received_us = received_us;
  meta.trace_type = type;
  meta.namespace_id = static_cast<std::uint16_t>(report.namespaceid());
  meta.node_count = static_cast<std::uint8_t>(report.nodes_size());

  const bool narrow_id = type & bit(0);
  const bool wide_id = type & bit(8);
  for (const auto& n : report.nodes()) {
    HopSample h;
    if (narrow_id) {
      h.node_id = n.id();
    } else if (wide_id) {
      h.node_id = static_cast<std::uint32_t>(n.idwide());
    }
    h.has_hop_limit = narrow_id || wide_id;
    h.hop_limit = static_cast<std::uint8_t>(n.hoplimit());
    if (type & bit(1)) {
      h.has_interfaces = true;
      h.ingress_id = n.ingressid();
      h.egress_id = n.egressid();
    } else if (type & bit(9)) {
      h.has_interfaces = true;
      h.ingress_id = n.ingressidwide();
      h.egress_id = n.egressidwide();
    }
    h.timestamp_us =
        ioam_timestamp_us(type & bit(2), n.timestampsecs(), type & bit(3), n.timestampfrac());
    if (type & bit(6)) {
      h.has_queue_depth = n.queuedepth() != kUnavailable;
      h.queue_depth = n.queuedepth();
    }
    if ((type & bit(5)) && !n.namespacedata().empty()) {
      h.namespace_data_len = 4;
      h.namespace_data = load_bytes_be(n.namespacedata(), 4);
    } else if ((type & bit(10)) && !n.namespacedatawide().empty()) {
      h.namespace_data_len = 8;
      h.namespace_data = load_bytes_be(n.namespacedatawide(), 8);
    }
    hops.push_back(h);
  }
  return true;
}

}  // namespace clt::collector
