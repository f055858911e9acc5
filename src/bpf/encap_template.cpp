#include "bpf/encap_template.h"

#include <cstring>
#include <span>

#include "core/encode.h"

namespace clt::bpf {

static_assert(core::kHbhTraceIdOffset == CLT_IDS_OFFSET &&
                  core::kHbhSpanIdOffset == CLT_IDS_OFFSET + 16,
              "the datapath writes the ids where the core's encoder puts them");

namespace {

std::uint16_t offset_field(std::size_t offset) {
  return offset == core::kAbsentField ? CLT_FIELD_ABSENT : static_cast<std::uint16_t>(offset);
}

}  // namespace

bool build_template(const encap::Config& config, const encap::NodeFacts& facts,
                    const encap::InterfaceFacts* egress, unsigned l2_len, clt_encap_template& out,
                    std::string& error) {
  if (encap::validate(config, &error) != encap::Status::kOk) return false;
  const core::HopByHopSpec spec = encap::hop_by_hop_spec(config);
  std::memset(&out, 0, sizeof out);
  core::NodeData own;
  if (config.own_entry) {
    const encap::NodeFacts node = encap::with_configured_values(facts, config);
    own = encap::own_entry_for(node, egress, node.default_hop_limit, timespec{});
  }
  std::size_t written = 0;
  const core::EncodeError e = core::encode_hop_by_hop(
      spec, core::TraceId{}, core::SpanId{}, config.own_entry ? &own : nullptr,
      std::span<std::uint8_t>(out.header, sizeof out.header), written);
  if (e != core::EncodeError::kOk) {
    error = core::describe(e, spec);
    return false;
  }
  out.header_len = static_cast<std::uint16_t>(written);
  out.l2_len = static_cast<std::uint16_t>(l2_len);
  core::OwnEntryOffsets own_offsets;
  if (config.own_entry) own_offsets = core::own_entry_offsets(spec);
  out.hop_limit_off = offset_field(own_offsets.hop_limit);
  out.hop_limit_wide_off = offset_field(own_offsets.hop_limit_wide);
  out.ts_secs_off = offset_field(own_offsets.timestamp_secs);
  out.ts_frac_off = offset_field(own_offsets.timestamp_frac);
  return true;
}

}  // namespace clt::bpf
