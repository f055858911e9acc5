#pragma once

// Runs the tc program on crafted packets with BPF_PROG_TEST_RUN: the real
// program, loaded and configured as the agent does it, with ids bound to a
// flow (a test run has no socket). For program-level tests and benchmarks.

#include <memory>
#include <span>
#include <string>

#include "bpf/bpf_adapter.h"
#include "bpf/datapath.h"
#include "core/ids.h"

namespace clt::bpf {

class EncapSimulator {
 public:
  // Where the program finds a packet's ids, as a test run has no socket
  // storage: the flows bound here (program tests), or, for packets with
  // reserved room, the ids the room itself carries (benchmarks: a lookup as
  // cheap as the socket's). kSocketOnly loads the program as the agent does;
  // kWire as `clt agent --traceparent` does (flows bound by the requests'
  // traceparent, and by bind_flow).
  enum class Ids { kFlows, kRoom, kSocketOnly, kWire };
  // The template is that of interface ifindex (the test run's device) with
  // facts for the own entry; l2_len 14 for Ethernet frames.
  static std::unique_ptr<EncapSimulator> create(const encap::Config& ioam,
                                                const encap::NodeFacts& facts, unsigned ifindex,
                                                std::string& error, Ids ids = Ids::kFlows);

  // Ids for packets of this flow (addresses and ports as in the packet).
  bool bind_flow(const clt_flow_key& flow, const core::TraceId& trace_id,
                 const core::SpanId& span_id, std::string& error);
  bool unbind_flow(const clt_flow_key& flow);

  TestRun run(std::span<const std::uint8_t> frame, std::uint32_t gso_size = 0,
              std::uint32_t gso_segs = 0, std::uint32_t repeat = 1) const;
  // A packet arriving (tc ingress, with Ids::kWire): a request binds the
  // flow of its response.
  TestRun run_arriving(std::span<const std::uint8_t> frame) const;
  // With a timestamp on the packet (CLOCK_REALTIME ns), as a departure time.
  TestRun run_stamped(std::span<const std::uint8_t> frame, std::uint64_t tstamp) const;
  DatapathCounters counters() const;

 private:
  EncapSimulator(std::unique_ptr<DatapathObject> object, unsigned ifindex)
      : object_(std::move(object)), ifindex_(ifindex) {}
  std::unique_ptr<DatapathObject> object_;
  unsigned ifindex_;
};

}  // namespace clt::bpf
