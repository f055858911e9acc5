#pragma once

// The datapath's BPF object, loaded into the kernel from the skeleton that
// is compiled into this binary: programs and maps, nothing attached yet.

#include <cstdint>
#include <memory>
#include <string>

#include "bpf/clt_datapath_abi.h"

struct clt_datapath;  // the generated skeleton

namespace clt::bpf {

class DatapathObject {
 public:
  struct Options {
    // Also look up ids by flow, for packets whose socket carries none.
    bool flow_ids = false;
    // Packets whose socket has no ids take those their room carries (a test
    // run has no socket storage; the agent never sets this).
    bool room_ids = false;
    // The Hop-by-Hop header's length, the same in every interface's
    // template (core::hop_by_hop_size of the configuration).
    std::uint32_t header_len = 0;
    // Read outgoing HTTP/1.x requests' traceparent into flow ids (needs
    // flow_ids).
    bool traceparent = false;
  };
  // nullptr with error set (the kernel's reason and what to do) on failure.
  static std::unique_ptr<DatapathObject> load(const Options& options, std::string& error);
  ~DatapathObject();
  DatapathObject(const DatapathObject&) = delete;
  DatapathObject& operator=(const DatapathObject&) = delete;

  int encap_program() const;
  int setsockopt_program() const;
  int sockops_program() const;
  int wire_ingress_program() const;
  int templates_map() const;
  int template_slots_map() const;
  int flow_ids_map() const;
  int socket_ids_map() const;
  int counters_map() const;

  // Run-time settings, read by the programs on every packet or connect.
  void set_tai_offset_ns(std::int64_t offset);
  void set_wall_minus_mono_ns(std::int64_t offset);
  void set_clamp_mss(std::uint32_t mss);
  // The room reserved on sockets that bind ids: the Hop-by-Hop header's size.
  void set_room_len(std::uint32_t bytes);
  // Before the programs are attached.
  void set_domain(const clt_domain& domain);

 private:
  explicit DatapathObject(clt_datapath* skeleton) : skeleton_(skeleton) {}
  clt_datapath* skeleton_;
};

}  // namespace clt::bpf
