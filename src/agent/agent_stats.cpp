#include "agent/agent_stats.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/decode_error.h"

namespace clt::agent {

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
    if (n) by_reason[core::to_string(static_cast<core::DecodeError>(i))] = n;
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
  j["reports"] = {
      {"queued_total", s.reports_queued_total.get()},
      {"queued", s.reports_queued.get()},
      {"sent", s.reports_sent.get()},
      {"dropped_queue_full", s.reports_dropped_queue_full.get()},
      {"dropped_at_exit", s.reports_dropped_at_exit.get()},
      {"dropped", s.reports_dropped_queue_full.get() + s.reports_dropped_at_exit.get()}};
  j["collector"] = {{"connected", s.collector_connected.get() != 0},
                    {"reconnects", s.reconnects.get()},
                    {"connect_failures", s.connect_failures.get()},
                    {"stream_failures", s.stream_failures.get()}};
  j["local_lines"] = s.local_lines.get();
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
