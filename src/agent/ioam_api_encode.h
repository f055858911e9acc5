#pragma once

#include "core/ioam_trace.h"
#include "ioam_api.pb.h"

namespace clt::agent {

// Fills an ioam_api.IOAMTrace (the published agent -> collector message, CLT
// variant) from a decoded trace: ids split into big-endian halves (zero when
// lost or not a CLT namespace), BitField = trace type << 8, nodes in path
// order with only the fields the trace type selects. Reuses out's storage.
void encode_ioam_trace(const core::Trace& trace, ioam_api::IOAMTrace& out);

}  // namespace clt::agent
