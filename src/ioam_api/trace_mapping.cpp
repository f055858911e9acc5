#include "ioam_api/trace_mapping.h"

#include "core/encode.h"
#include "core/ids.h"
#include "core/trace_type.h"

namespace clt::ioam_api_mapping {

namespace {

using namespace core::trace_bits;

void set_be_bytes(std::string* out, std::uint64_t value, int bytes) {
  out->resize(static_cast<std::size_t>(bytes));
  for (int i = bytes - 1; i >= 0; --i) {
    (*out)[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

// The first n bytes of a big-endian field (fewer if it is shorter).
std::uint64_t load_be_bytes(const std::string& bytes, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n && i < bytes.size(); ++i)
    v = (v << 8) | static_cast<std::uint8_t>(bytes[i]);
  return v;
}

void decode_node(const ioam_api::IOAMNode& n, core::NodeData& d) {
  d.hop_limit = static_cast<std::uint8_t>(n.hoplimit());
  d.id = n.id();
  d.ingress_id = static_cast<std::uint16_t>(n.ingressid());
  d.egress_id = static_cast<std::uint16_t>(n.egressid());
  d.timestamp_secs = n.timestampsecs();
  d.timestamp_frac = n.timestampfrac();
  d.transit_delay = n.transitdelay();
  d.namespace_data = static_cast<std::uint32_t>(load_be_bytes(n.namespacedata(), 4));
  d.queue_depth = n.queuedepth();
  d.checksum_complement = n.csumcomp();
  d.id_wide = n.idwide();
  d.ingress_id_wide = n.ingressidwide();
  d.egress_id_wide = n.egressidwide();
  d.namespace_data_wide = load_be_bytes(n.namespacedatawide(), 8);
  d.buffer_occupancy = n.bufferoccupancy();
  d.oss.schema_id = n.oss().schemaid();
  const std::string& data = n.oss().data();
  d.oss.data = {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
}

void encode_node(const core::NodeData& n, std::uint32_t type, ioam_api::IOAMNode& out) {
  out.Clear();
  if (type & (kHopLimitNodeId | kHopLimitNodeIdWide)) out.set_hoplimit(n.hop_limit);
  if (type & kHopLimitNodeId) out.set_id(n.id);
  if (type & kIngressEgress) {
    out.set_ingressid(n.ingress_id);
    out.set_egressid(n.egress_id);
  }
  if (type & kTimestampSecs) out.set_timestampsecs(n.timestamp_secs);
  if (type & kTimestampFrac) out.set_timestampfrac(n.timestamp_frac);
  if (type & kTransitDelay) out.set_transitdelay(n.transit_delay);
  if (type & kNamespaceData) set_be_bytes(out.mutable_namespacedata(), n.namespace_data, 4);
  if (type & kQueueDepth) out.set_queuedepth(n.queue_depth);
  if (type & kChecksumComplement) out.set_csumcomp(n.checksum_complement);
  if (type & kHopLimitNodeIdWide) out.set_idwide(n.id_wide);
  if (type & kIngressEgressWide) {
    out.set_ingressidwide(n.ingress_id_wide);
    out.set_egressidwide(n.egress_id_wide);
  }
  if (type & kNamespaceDataWide) {
    set_be_bytes(out.mutable_namespacedatawide(), n.namespace_data_wide, 8);
  }
  if (type & kBufferOccupancy) out.set_bufferoccupancy(n.buffer_occupancy);
  if (type & kOpaqueStateSnapshot) {
    auto* oss = out.mutable_oss();
    oss->set_schemaid(n.oss.schema_id);
    oss->mutable_data()->assign(reinterpret_cast<const char*>(n.oss.data.data()),
                                n.oss.data.size());
  }
}

}  // namespace

void encode_ioam_trace(const core::Trace& trace, ioam_api::IOAMTrace& out) {
  if (trace.ids_intact) {
    out.set_traceid_high(core::load_be64(trace.trace_id.data()));
    out.set_traceid_low(core::load_be64(trace.trace_id.data() + 8));
    out.set_spanid(core::load_be64(trace.span_id.data()));
  } else {
    out.set_traceid_high(0);
    out.set_traceid_low(0);
    out.set_spanid(0);
  }
  out.set_namespaceid(trace.namespace_id);
  out.set_bitfield(trace.trace_type << 8);
  auto* nodes = out.mutable_nodes();
  // Keep allocated node messages across calls; only trim the extra ones.
  while (nodes->size() > trace.node_count) nodes->RemoveLast();
  for (std::size_t i = 0; i < trace.node_count; ++i) {
    ioam_api::IOAMNode* node =
        static_cast<int>(i) < nodes->size() ? nodes->Mutable(static_cast<int>(i)) : nodes->Add();
    encode_node(trace.nodes[i], trace.trace_type, *node);
  }
}

bool decode_ioam_trace(const ioam_api::IOAMTrace& message, core::Trace& out, std::string& error) {
  if (static_cast<std::size_t>(message.nodes_size()) > core::kMaxNodes) {
    error = "report has " + std::to_string(message.nodes_size()) +
            " nodes; an IOAM trace holds at most " + std::to_string(core::kMaxNodes);
    return false;
  }
  if (message.namespaceid() > 0xffff) {
    error = "NamespaceId " + std::to_string(message.namespaceid()) + " does not fit 16 bits";
    return false;
  }
  out.namespace_id = static_cast<std::uint16_t>(message.namespaceid());
  out.trace_type = (message.bitfield() >> 8) & core::trace_bits::kMask;
  out.node_len = core::node_len_for(out.trace_type);
  out.layout = core::Layout::kClt;
  core::store_be64(out.trace_id.data(), message.traceid_high());
  core::store_be64(out.trace_id.data() + 8, message.traceid_low());
  core::store_be64(out.span_id.data(), message.spanid());
  out.ids_intact = !core::is_zero(out.trace_id);
  out.node_count = static_cast<std::uint8_t>(message.nodes_size());
  for (std::size_t i = 0; i < out.node_count; ++i)
    decode_node(message.nodes(static_cast<int>(i)), out.nodes[i]);
  return true;
}

}  // namespace clt::ioam_api_mapping
