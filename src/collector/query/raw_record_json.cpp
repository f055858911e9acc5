#include "collector/query/raw_record_json.h"

#include "core/encode.h"
#include "core/trace_json.h"
#include "core/trace_type.h"
#include "ioam_api.pb.h"

namespace clt::collector {

bool append_report_json(std::string& out, std::uint64_t index, std::int64_t received_us,
                        std::string_view report_bytes) {
  ioam_api::IOAMTrace r;
  if (!r.ParseFromArray(report_bytes.data(), static_cast<int>(report_bytes.size()))) return false;
  core::Trace t;
  t.namespace_id = static_cast<std::uint16_t>(r.namespaceid());
  t.trace_type = (r.bitfield() >> 8) & core::trace_bits::kMask;
  t.node_len = core::node_len_for(t.trace_type);
  t.layout = core::Layout::kClt;
  core::store_be64(t.trace_id.data(), r.traceid_high());
  core::store_be64(t.trace_id.data() + 8, r.traceid_low());
  core::store_be64(t.span_id.data(), r.spanid());
  t.ids_intact = !core::is_zero(t.trace_id);
  t.node_count = static_cast<std::uint8_t>(std::min<int>(r.nodes_size(), core::kMaxNodes));
  for (std::size_t i = 0; i < t.node_count; ++i) {
    const auto& n = r.nodes(static_cast<int>(i));
    core::NodeData& d = t.nodes[i];
    d.hop_limit = static_cast<std::uint8_t>(n.hoplimit());
    d.id = n.id();
    d.ingress_id = static_cast<std::uint16_t>(n.ingressid());
    d.egress_id = static_cast<std::uint16_t>(n.egressid());
    d.timestamp_secs = n.timestampsecs();
    d.timestamp_frac = n.timestampfrac();
    d.transit_delay = n.transitdelay();
    d.queue_depth = n.queuedepth();
    d.checksum_complement = n.csumcomp();
    d.buffer_occupancy = n.bufferoccupancy();
    d.ingress_id_wide = n.ingressidwide();
    d.egress_id_wide = n.egressidwide();
    d.id_wide = n.idwide();
    std::uint64_t v = 0;
    for (unsigned char c : n.namespacedata().substr(0, 4)) v = (v << 8) | c;
    d.namespace_data = static_cast<std::uint32_t>(v);
    v = 0;
    for (unsigned char c : n.namespacedatawide().substr(0, 8)) v = (v << 8) | c;
    d.namespace_data_wide = v;
    d.oss.schema_id = n.oss().schemaid();
    const std::string& data = n.oss().data();
    d.oss.data = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()),
                                               data.size());
  }
  core::JsonContext ctx;
  ctx.frame = index;
  ctx.time_sec = received_us / 1'000'000;
  ctx.time_usec = static_cast<std::int32_t>(received_us % 1'000'000);
  core::append_trace_json(out, t, ctx);
  return true;
}

}  // namespace clt::collector
