#pragma once

// The one mapping between the published agent -> collector message
// (ioam_api.IOAMTrace, CLT variant) and a decoded trace (core::Trace): ids
// split into big-endian halves (zero when lost or not a CLT namespace),
// BitField = trace type << 8, nodes in path order with only the fields the
// trace type selects.

#include <string>

#include "core/ioam_trace.h"
#include "ioam_api.pb.h"

namespace clt::ioam_api_mapping {

// Fills out from trace, reusing out's storage (no allocation once warm).
void encode_ioam_trace(const core::Trace& trace, ioam_api::IOAMTrace& out);

// Reads a received message into out (CLT layout; ids intact unless the trace
// id is zero). out's opaque-state views point into message: keep it alive
// while using them. false with error when the message cannot be a real trace
// (more nodes than an option holds, a namespace id beyond 16 bits); out is
// then unspecified.
bool decode_ioam_trace(const ioam_api::IOAMTrace& message, core::Trace& out, std::string& error);

}  // namespace clt::ioam_api_mapping
