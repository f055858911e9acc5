#include "agent/trace_record.h"

namespace clt::agent {

const char* to_string(TraceSource source) {
  switch (source) {
    case TraceSource::kCaptureAndEvent:
      return "capture+event";
    case TraceSource::kCaptureOnly:
      return "capture";
    case TraceSource::kEventOnly:
      return "event";
  }
  return "?";
}

core::DecodeError to_trace(const TraceRecord& record, core::Trace& out) {
  out.namespace_id = record.namespace_id;
  out.node_len = record.node_len;
  out.flags = record.flags;
  out.remaining_len = record.remaining_len;
  out.trace_type = record.trace_type;
  out.layout = record.layout;
  out.ids_intact = record.ids_intact;
  out.trace_id = record.trace_id;
  out.span_id = record.span_id;
  out.option = {};
  return core::decode_nodes({record.node_bytes.data(), record.node_bytes_len}, record.trace_type,
                            record.node_len, out);
}

}  // namespace clt::agent
