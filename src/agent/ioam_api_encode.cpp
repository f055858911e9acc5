#include "agent/ioam_api_encode.h"

#include "core/ids.h"
#include "core/trace_type.h"

namespace clt::agent {

namespace {

using namespace core::trace_bits;

void set_be_bytes(std::string* out, std::uint64_t value, int bytes) {
  out->resize(static_cast<std::size_t>(bytes));
  for (int i = bytes - 1; i >= 0; --i) {
    (*out)[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
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

}  // namespace clt::agent
