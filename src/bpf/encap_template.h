#pragma once

// The header template of one egress interface: what the tc program copies
// into every stamped packet, built by src/core's encoder from the same
// configuration as the socket-option path, so both paths put the same bytes
// on the wire.

#include <string>

#include "bpf/clt_datapath_abi.h"
#include "encap/clt_socket.h"
#include "encap/node_facts.h"

namespace clt::bpf {

// config.own_entry selects whether the last slot is the sender's own entry;
// its static values come from facts and the interface (egress id), the
// per-packet ones (hop limit, timestamps) are patched by the program.
// false with error set when the configuration is invalid.
bool build_template(const encap::Config& config, const encap::NodeFacts& facts,
                    const encap::InterfaceFacts* egress, unsigned l2_len, clt_encap_template& out,
                    std::string& error);

}  // namespace clt::bpf
