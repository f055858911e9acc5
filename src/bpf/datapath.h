#pragma once

// CLT in the kernel's datapath: loads the BPF programs, configures them from
// the same encap::Config as the socket-option path, and attaches them:
//   - tc egress (tcx) on each interface: inserts the IOAM header into the
//     packets of sockets that carry ids, stamping the own entry per packet;
//   - cgroup/setsockopt and sockops on a cgroup: any process in it binds ids
//     with the private CLT_SO_IDS option, and TCP connects into the domain
//     get an MSS that leaves room for the header.
// Everything is attached through links owned by this object's file
// descriptors: destroying it, or the process dying (even by SIGKILL),
// detaches them.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bpf/bpf_adapter.h"
#include "bpf/clt_datapath_abi.h"
#include "bpf/datapath_object.h"
#include "bpf/room_release.h"
#include "core/ids.h"
#include "encap/clt_socket.h"

namespace clt::bpf {

struct DatapathConfig {
  encap::Config ioam;                   // namespace, trace type, slots, own entry, domain
  std::vector<std::string> interfaces;  // egress interfaces to stamp on
  std::string cgroup;                   // empty: the cgroup v2 root
  bool clamp_mss = false;               // lower the MSS of every TCP connect into the domain
  // Also look up ids by flow for packets whose socket has none: flows bound
  // with bind_flow (ids read from the wire, tools whose sockets cannot be
  // reached).
  bool flow_ids = false;
  // Read outgoing HTTP/1.x requests' traceparent header: a sampled one binds
  // its flow to its ids (implies flow_ids and clamp_mss).
  bool traceparent = false;
};

using DatapathCounters = std::array<std::uint64_t, CLT_CNT_MAX>;

// Stable snake_case name of a counter, the key in the agent's stats file.
const char* counter_name(clt_counter counter);

class Datapath {
 public:
  // nullptr with a one-line error (what is wrong, what to do) on failure.
  static std::unique_ptr<Datapath> open(const DatapathConfig& config, std::string& error);

  // Summed over CPUs.
  DatapathCounters counters() const;
  // Re-reads CLOCK_TAI - CLOCK_REALTIME for the timestamps; call now and then.
  void sync_clock();
  std::uint32_t clamp_mss() const { return clamp_mss_; }
  // The tc program's run-time statistics (see enable_run_time_stats).
  ProgramStats encap_program_stats() const;
  // Ids for the packets of one flow (needs flow_ids); false with error set.
  bool bind_flow(const clt_flow_key& flow, const core::TraceId& trace_id,
                 const core::SpanId& span_id, std::string& error);
  std::size_t header_size() const { return header_size_; }
  // Before an orderly stop: clears the room sockets kept between spans (see
  // room_release.h), while the programs are still attached.
  RoomRelease release_kept_rooms() const;

 private:
  explicit Datapath(std::unique_ptr<DatapathObject> object) : object_(std::move(object)) {}
  bool configure(const DatapathConfig& config, std::string& error);
  bool attach(const DatapathConfig& config, std::string& error);

  std::unique_ptr<DatapathObject> object_;
  std::vector<unsigned> ifindexes_;
  std::vector<os::UniqueFd> links_;
  std::uint32_t clamp_mss_ = 0;
  std::size_t header_size_ = 0;
};

// The Hop-by-Hop header every interface's template has for this
// configuration: fixed when the programs are loaded.
std::uint32_t hop_by_hop_len(const encap::Config& ioam);

// Fills the datapath's configuration maps: the IOAM domain and one template
// per interface (ifindex, L2 header length). Shared by Datapath and the
// program simulator. false with error set on failure.
struct InterfaceTemplate {
  unsigned ifindex = 0;
  unsigned l2_len = 14;
  const encap::InterfaceFacts* facts = nullptr;
};
bool configure_maps(DatapathObject& object, const encap::Config& ioam,
                    const encap::NodeFacts& facts, const std::vector<InterfaceTemplate>& interfaces,
                    std::string& error);

DatapathCounters read_counters(const DatapathObject& object);
bool bind_flow_ids(const DatapathObject& object, const clt_flow_key& flow,
                   const core::TraceId& trace_id, const core::SpanId& span_id, std::string& error);

// CLOCK_TAI minus CLOCK_REALTIME, in nanoseconds.
std::int64_t tai_offset_ns();
// CLOCK_REALTIME minus CLOCK_MONOTONIC now, in ns.
std::int64_t wall_minus_mono_ns();

}  // namespace clt::bpf
