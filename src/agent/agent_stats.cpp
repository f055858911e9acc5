#include "agent/agent_stats.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/decode_error.h"

namespace clt::agent {

const char* reason_key(core::DecodeError e) {
  switch (e) {
    case core::DecodeError::kEmptyPacket:
      return "empty_packet";
    case core::DecodeError::kTruncatedLinkHeader:
      return "truncated_link_header";
    case core::DecodeError::kNotIpv6:
      return "not_ipv6";
    case core::DecodeError::kTruncatedIpv6Header:
      return "truncated_ipv6_header";
    case core::DecodeError::kBadIpVersion:
      return "bad_ip_version";
    case core::DecodeError::kPayloadLengthExceedsCapture:
      return "payload_length_exceeds_capture";
    case core::DecodeError::kNoHopByHop:
      return "no_hop_by_hop";
    case core::DecodeError::kHopByHopExceedsPacket:
      return "hop_by_hop_exceeds_packet";
    case core::DecodeError::kOptionExceedsHopByHop:
      return "option_exceeds_hop_by_hop";
    case core::DecodeError::kNoIoamOption:
      return "no_ioam_option";
    case core::DecodeError::kIoamOptionTooShort:
      return "ioam_option_too_short";
    case core::DecodeError::kUnsupportedIoamType:
      return "unsupported_ioam_type";
    case core::DecodeError::kIncrementalTrace:
      return "incremental_trace";
    case core::DecodeError::kNodeLenZero:
      return "node_len_zero";
    case core::DecodeError::kNodeLenMismatch:
      return "node_len_mismatch";
    case core::DecodeError::kRemainingLenExceedsData:
      return "remaining_len_exceeds_data";
    case core::DecodeError::kNodeDataNotMultiple:
      return "node_data_not_multiple";
    case core::DecodeError::kOpaqueExceedsOption:
      return "opaque_exceeds_option";
    case core::DecodeError::kTooManyNodes:
      return "too_many_nodes";
    case core::DecodeError::kTooManyTraces:
      return "too_many_traces";
    default:
      return core::to_string(e);
  }
}

AgentStats::AgentStats(const std::vector<std::string>& interfaces) : rings(interfaces.size()) {
  for (std::size_t i = 0; i < interfaces.size(); ++i) rings[i].interface = interfaces[i];
}

std::string stats_json(const AgentStats& s, bool pretty) {
  nlohmann::ordered_json j;
  j["packets_seen"] = s.packets_seen.get();
  j["traces_decoded"] = s.traces_decoded.get();
  j["not_ioam"] = s.not_ioam.get();
  j["decode_errors"] = s.decode_errors.get();
  nlohmann::ordered_json by_reason = nlohmann::ordered_json::object();
  for (std::size_t i = 1; i < kDecodeErrorKinds; ++i) {
    const std::uint64_t n = s.decode_errors_by_reason[i].get();
    if (n) by_reason[reason_key(static_cast<core::DecodeError>(i))] = n;
  }
  j["decode_errors_by_reason"] = by_reason;
  j["traces_plain_namespace"] = s.traces_plain_namespace.get();
  j["traces_ids_lost"] = s.traces_ids_lost.get();
  std::uint64_t drops = 0;
  nlohmann::ordered_json rings = nlohmann::ordered_json::array();
  for (const auto& r : s.rings) {
    drops += r.kernel_drops.get();
    rings.push_back({{"interface", r.interface},
                     {"kernel_packets", r.kernel_packets.get()},
                     {"kernel_drops", r.kernel_drops.get()},
                     {"freezes", r.freezes.get()},
                     {"seen", r.seen.get()}});
  }
  j["ring_drops"] = drops;
  j["rings"] = rings;
  j["events"] = {{"received", s.events_received.get()},
                 {"overruns", s.event_overruns.get()},
                 {"malformed", s.events_malformed.get()}};
  j["match"] = {{"capture_and_event", s.matched.get()},
                {"capture_only", s.capture_only.get()},
                {"event_only", s.event_only.get()},
                {"evicted", s.match_evicted.get()}};
  j["direction"] = {{"requests", s.direction_requests.get()},
                    {"responses", s.direction_responses.get()},
                    {"unknown", s.direction_unknown.get()},
                    {"listener_refreshes", s.listener_refreshes.get()},
                    {"listener_refresh_failures", s.listener_refresh_failures.get()}};
  j["reports"] = {
      {"queued_total", s.reports_queued_total.get()},
      {"queued", s.reports_queued.get()},
      {"sent", s.reports_sent.get()},
      {"dropped_queue_full", s.reports_dropped_queue_full.get()},
      {"dropped_at_exit", s.reports_dropped_at_exit.get()},
      {"dropped", s.reports_dropped_queue_full.get() + s.reports_dropped_at_exit.get()}};
  j["summaries"] = {{"packets_aggregated", s.packets_aggregated.get()},
                    {"queued_total", s.summaries_queued.get()},
                    {"queued", s.summaries_waiting.get()},
                    {"flushed_quiet", s.summaries_flushed_quiet.get()},
                    {"flushed_periodic", s.summaries_flushed_periodic.get()},
                    {"flushed_early", s.summaries_flushed_early.get()},
                    {"sent", s.summaries_sent.get()},
                    {"packets_sent", s.summary_packets_sent.get()},
                    {"messages_sent", s.summary_messages_sent.get()},
                    {"dropped_queue_full", s.summaries_dropped_queue_full.get()},
                    {"dropped_at_exit", s.summaries_dropped_at_exit.get()},
                    {"dropped_unreachable", s.summaries_dropped_unreachable.get()},
                    {"packets_dropped", s.summary_packets_dropped_queue_full.get() +
                                            s.summary_packets_dropped_at_exit.get() +
                                            s.summary_packets_dropped_unreachable.get()}};
  j["collector"] = {{"connected", s.collector_connected.get() != 0},
                    {"connected_collectors", s.collector_connected.get()},
                    {"failovers", s.collector_failovers.get()},
                    {"reconnects", s.reconnects.get()},
                    {"connect_failures", s.connect_failures.get()},
                    {"stream_failures", s.stream_failures.get()}};
  j["local_lines"] = s.local_lines.get();
  if (!s.encap_interfaces.empty()) {
    nlohmann::ordered_json dp;
    dp["interfaces"] = s.encap_interfaces;
    dp["tcp_mss"] = s.encap_tcp_mss;
    for (const auto& [name, value] : s.datapath_counters) dp[name] = value;
    j["datapath"] = dp;
  }
  return j.dump(pretty ? 2 : -1);
}

bool write_stats_file(const std::string& path, const AgentStats& stats) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return false;
  const std::string text = stats_json(stats, true) + "\n";
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return false;
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace clt::agent
