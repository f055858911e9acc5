#pragma once

#include <string>

#include "agent/trace_record.h"
#include "core/ioam_trace.h"

namespace clt::agent {

// Readable text for `clt agent -o`: one header line per trace, one indented
// line per node in path order. Appends to out.
void append_console_text(std::string& out, const TraceRecord& record, const core::Trace& trace);

}  // namespace clt::agent
