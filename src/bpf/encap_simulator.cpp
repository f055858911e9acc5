#include "bpf/encap_simulator.h"

namespace clt::bpf {

std::unique_ptr<EncapSimulator> EncapSimulator::create(const encap::Config& ioam,
                                                       const encap::NodeFacts& facts,
                                                       unsigned ifindex, std::string& error,
                                                       Ids ids) {
  DatapathObject::Options options;
  options.flow_ids = ids == Ids::kFlows || ids == Ids::kWire;
  options.traceparent = ids == Ids::kWire;
  options.room_ids = ids == Ids::kRoom;
  options.header_len = hop_by_hop_len(ioam);
  auto object = DatapathObject::load(options, error);
  if (!object) return nullptr;
  const InterfaceTemplate itf{ifindex, 14, facts.interface_by_index(ifindex)};
  if (!configure_maps(*object, ioam, facts, {itf}, error)) return nullptr;
  object->set_tai_offset_ns(tai_offset_ns());
  object->set_wall_minus_mono_ns(wall_minus_mono_ns());
  return std::unique_ptr<EncapSimulator>(new EncapSimulator(std::move(object), ifindex));
}

bool EncapSimulator::bind_flow(const clt_flow_key& flow, const core::TraceId& trace_id,
                               const core::SpanId& span_id, std::string& error) {
  return bind_flow_ids(*object_, flow, trace_id, span_id, error);
}

bool EncapSimulator::unbind_flow(const clt_flow_key& flow) {
  return map_delete(object_->flow_ids_map(), &flow);
}

TestRun EncapSimulator::run(std::span<const std::uint8_t> frame, std::uint32_t gso_size,
                            std::uint32_t gso_segs, std::uint32_t repeat) const {
  TestRunInput input;
  input.packet = frame;
  input.ifindex = ifindex_;
  input.gso_size = gso_size;
  input.gso_segs = gso_segs;
  input.repeat = repeat;
  return test_run(object_->encap_program(), input);
}

TestRun EncapSimulator::run_arriving(std::span<const std::uint8_t> frame) const {
  TestRunInput input;
  input.packet = frame;
  input.ifindex = ifindex_;
  return test_run(object_->wire_ingress_program(), input);
}

TestRun EncapSimulator::run_stamped(std::span<const std::uint8_t> frame,
                                    std::uint64_t tstamp) const {
  TestRunInput input;
  input.packet = frame;
  input.ifindex = ifindex_;
  input.tstamp = tstamp;
  return test_run(object_->encap_program(), input);
}

DatapathCounters EncapSimulator::counters() const {
  return read_counters(*object_);
}

}  // namespace clt::bpf
