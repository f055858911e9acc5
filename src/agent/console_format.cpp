#include "agent/console_format.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "core/ids.h"
#include "core/trace_json.h"
#include "core/trace_type.h"

namespace clt::agent {

namespace {

using namespace core::trace_bits;

template <typename... Args>
void append_format(std::string& out, const char* format, Args... args) {
  char buf[160];
  const int n = std::snprintf(buf, sizeof buf, format, args...);
  if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

}  // namespace

void append_console_text(std::string& out, const TraceRecord& record, const core::Trace& trace) {
  std::tm tm{};
  const std::time_t secs = static_cast<std::time_t>(record.time_sec);
  gmtime_r(&secs, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%H:%M:%S", &tm);
  append_format(out, "%s.%06d ns %u", when, record.time_usec, unsigned{trace.namespace_id});
  if (trace.ids_intact) {
    out += " trace ";
    out += core::to_hex(trace.trace_id);
    out += " span ";
    out += core::to_hex(trace.span_id);
  } else {
    out += trace.layout == core::Layout::kPlain ? " (plain IOAM, no ids)" : " (ids lost)";
  }
  if (record.has_addresses) {
    out += ' ';
    core::append_ipv6(out, record.src);
    out += " -> ";
    core::append_ipv6(out, record.dst);
  }
  out += ' ';
  out += core::to_string(record.direction);
  out += " path ";
  for (std::size_t i = 0; i < trace.node_count; ++i) {
    if (i) out += " > ";
    const auto& n = trace.nodes[i];
    append_format(out, "%" PRIu64,
                  (trace.trace_type & kHopLimitNodeId) ? std::uint64_t{n.id} : n.id_wide);
  }
  append_format(out, " [%s%s]\n", to_string(record.source),
                trace.flags.overflow ? ", overflow" : "");
  for (std::size_t i = 0; i < trace.node_count; ++i) {
    const auto& n = trace.nodes[i];
    append_format(out, "  hop %zu", i + 1);
    if (trace.trace_type & kHopLimitNodeId) {
      append_format(out, " node %u hop_limit %u", unsigned{n.id}, unsigned{n.hop_limit});
    }
    if (trace.trace_type & kHopLimitNodeIdWide) {
      append_format(out, " node_wide %" PRIu64, n.id_wide);
    }
    if (trace.trace_type & kIngressEgress) {
      append_format(out, " in %u out %u", unsigned{n.ingress_id}, unsigned{n.egress_id});
    }
    if (trace.trace_type & kTimestampSecs) {
      append_format(out, " time %u", n.timestamp_secs);
      if (trace.trace_type & kTimestampFrac) append_format(out, ".%06u", n.timestamp_frac);
    }
    if (trace.trace_type & kQueueDepth) append_format(out, " queue %u", n.queue_depth);
    if (trace.trace_type & kNamespaceData) append_format(out, " data 0x%08x", n.namespace_data);
    out += '\n';
  }
}

}  // namespace clt::agent
