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

namespace {

// The fields a record and a trace share (same names), for both directions.
template <typename From, typename To>
void copy_trace_header(const From& from, To& to) {
  to.namespace_id = from.namespace_id;
  to.node_len = from.node_len;
  to.flags = from.flags;
  to.remaining_len = from.remaining_len;
  to.trace_type = from.trace_type;
  to.layout = from.layout;
  to.ids_intact = from.ids_intact;
  to.trace_id = from.trace_id;
  to.span_id = from.span_id;
}

}  // namespace

void set_trace_header(const core::Trace& trace, TraceRecord& record) {
  copy_trace_header(trace, record);
}

core::DecodeError to_trace(const TraceRecord& record, core::Trace& out) {
  copy_trace_header(record, out);
  out.option = {};
  return core::decode_nodes({record.node_bytes.data(), record.node_bytes_len}, record.trace_type,
                            record.node_len, out);
}

}  // namespace clt::agent
