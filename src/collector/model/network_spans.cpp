#include "collector/model/network_spans.h"
#include "core/json_string.h"

#include <nlohmann/json.hpp>

namespace clt::collector {

namespace {

using nlohmann::json;

std::uint64_t fnv1a(const std::uint8_t* p, std::size_t n, std::uint64_t h) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

constexpr std::uint8_t kResponseSalt[1] = {'r'};

std::uint64_t key_hash(const JoinKey& key, std::uint64_t salt) {
  std::uint64_t h = 0xcbf29ce484222325ull ^ salt;
  h = fnv1a(key.trace_id.data(), key.trace_id.size(), h);
  h = fnv1a(key.span_id.data(), key.span_id.size(), h);
  // A request keeps the ids it had before directions were told apart.
  if (key.direction == core::Direction::kResponse) h = fnv1a(kResponseSalt, 1, h);
  // Finalizer so that nearby salts give unrelated ids.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h ? h : 1;
}

json tag(const std::string& key, const std::string& value) {
  return {{"key", key}, {"type", "string"}, {"value", value}};
}
json tag(const std::string& key, std::int64_t value) {
  return {{"key", key}, {"type", "int64"}, {"value", value}};
}
json tag_bool(const std::string& key, bool value) {
  return {{"key", key}, {"type", "bool"}, {"value", value}};
}

}  // namespace

core::TraceId network_trace_id(const NetworkSummary& s) {
  return s.key.trace_id;
}

core::SpanId network_span_id(const JoinKey& key) {
  core::SpanId id{};
  core::store_be64(id.data(), key_hash(key, 0x6e6574));
  return id;
}

core::SpanId hop_span_id(const JoinKey& key, int hop) {
  core::SpanId id{};
  core::store_be64(id.data(), key_hash(key, 0x686f7000ull + static_cast<std::uint64_t>(hop)));
  return id;
}

std::string hop_operation_name(const HopSummary& h) {
  return "hop " + std::to_string(h.hop) + " " +
         (h.name.empty() ? std::to_string(h.node_id) : h.name);
}

void append_network_spans(const NetworkSummary& s, std::vector<JaegerSpan>& out) {
  const core::SpanId net_id = network_span_id(s.key);
  JaegerSpan net;
  net.trace_id = network_trace_id(s);
  net.span_id = net_id;
  if (!s.ids_lost) net.parent_id = s.key.span_id;
  net.service = kIoamService;
  net.operation = kNetworkOperation;
  net.start_us = s.start_us;
  net.duration_us = s.duration_us;
  json tags = json::array();
  tags.push_back(tag("ioam.kind", "network"));
  tags.push_back(tag("ioam.direction", std::string(core::to_string(s.key.direction))));
  tags.push_back(tag("ioam.packets", static_cast<std::int64_t>(s.packets)));
  tags.push_back(tag("ioam.path", s.path));
  if (s.slowest_hop) tags.push_back(tag("ioam.slowest_hop", *s.slowest_hop));
  if (s.slowest_hop_delay_us)
    tags.push_back(tag("ioam.slowest_hop_delay_us", *s.slowest_hop_delay_us));
  tags.push_back(tag_bool("ioam.overflow", s.overflow));
  tags.push_back(tag_bool("ioam.ids_lost", s.ids_lost));
  tags.push_back(tag("span.kind", "internal"));
  net.tags_json = tags.dump();
  out.push_back(std::move(net));

  for (const HopSummary& h : s.hops) {
    JaegerSpan row;
    row.trace_id = net.trace_id;
    row.span_id = hop_span_id(s.key, h.hop);
    row.parent_id = net_id;
    row.service = kIoamService;
    row.operation = hop_operation_name(h);
    row.start_us = h.start_us;
    row.duration_us = h.duration_us;
    json t = json::array();
    t.push_back(tag("ioam.kind", "hop"));
    t.push_back(tag("ioam.direction", std::string(core::to_string(s.key.direction))));
    t.push_back(tag("ioam.hop", h.hop));
    t.push_back(tag("ioam.node_id", static_cast<std::int64_t>(h.node_id)));
    t.push_back(tag("ioam.namespace_id", static_cast<std::int64_t>(h.namespace_id)));
    if (h.hop_limit) t.push_back(tag("ioam.hop_limit", static_cast<std::int64_t>(*h.hop_limit)));
    if (h.ingress_id) t.push_back(tag("ioam.ingress_id", static_cast<std::int64_t>(*h.ingress_id)));
    if (h.egress_id) t.push_back(tag("ioam.egress_id", static_cast<std::int64_t>(*h.egress_id)));
    if (h.queue_depth_max)
      t.push_back(tag("ioam.queue_depth", static_cast<std::int64_t>(*h.queue_depth_max)));
    if (h.namespace_data_hex) t.push_back(tag("ioam.namespace_data", *h.namespace_data_hex));
    t.push_back(tag("ioam.packets", static_cast<std::int64_t>(h.packets)));
    if (h.delay_us) t.push_back(tag("ioam.delay_us", *h.delay_us));
    if (h.delay_p90_us) t.push_back(tag("ioam.delay_p90_us", *h.delay_p90_us));
    if (h.delay_p99_us) t.push_back(tag("ioam.delay_p99_us", *h.delay_p99_us));
    if (h.delay_min_us) t.push_back(tag("ioam.delay_min_us", *h.delay_min_us));
    if (h.delay_max_us) t.push_back(tag("ioam.delay_max_us", *h.delay_max_us));
    if (h.queue_depth_p50)
      t.push_back(tag("ioam.queue_depth_p50", static_cast<std::int64_t>(*h.queue_depth_p50)));
    if (!h.name.empty()) t.push_back(tag("net.node.name", h.name));
    row.tags_json = t.dump();
    out.push_back(std::move(row));
  }
}

namespace {

void append_field(std::string& out, const char* name, std::int64_t v) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(v);
}

void append_field(std::string& out, const char* name, std::string_view v) {
  out += ",\"";
  out += name;
  out += "\":";
  core::append_json_string(out, v);
}

}  // namespace

std::string summary_to_json(const NetworkSummary& s) {
  std::string o;
  o.reserve(256 + 192 * s.hops.size());
  o += "{\"trace_id\":\"";
  o += core::to_hex(s.key.trace_id);
  o += "\",\"span_id\":\"";
  o += core::to_hex(s.key.span_id);
  o += "\",\"direction\":\"";
  o += core::to_string(s.key.direction);
  o += "\",\"ids_lost\":";
  o += s.ids_lost ? "true" : "false";
  o += ",\"overflow\":";
  o += s.overflow ? "true" : "false";
  append_field(o, "packets", s.packets);
  append_field(o, "path", s.path);
  if (s.slowest_hop) append_field(o, "slowest_hop", *s.slowest_hop);
  if (s.slowest_hop_delay_us) append_field(o, "slowest_hop_delay_us", *s.slowest_hop_delay_us);
  append_field(o, "start_us", s.start_us);
  append_field(o, "duration_us", s.duration_us);
  o += ",\"hops\":[";
  bool first = true;
  for (const HopSummary& h : s.hops) {
    if (!first) o += ',';
    first = false;
    o += "{\"hop\":";
    o += std::to_string(h.hop);
    append_field(o, "node_id", h.node_id);
    if (!h.name.empty()) append_field(o, "name", h.name);
    append_field(o, "namespace_id", h.namespace_id);
    if (h.hop_limit) append_field(o, "hop_limit", *h.hop_limit);
    if (h.ingress_id) append_field(o, "ingress_id", *h.ingress_id);
    if (h.egress_id) append_field(o, "egress_id", *h.egress_id);
    if (h.queue_depth_max) append_field(o, "queue_depth", *h.queue_depth_max);
    if (h.namespace_data_hex) append_field(o, "namespace_data", *h.namespace_data_hex);
    append_field(o, "packets", h.packets);
    if (h.delay_us) append_field(o, "delay_us", *h.delay_us);
    if (h.delay_p90_us) append_field(o, "delay_p90_us", *h.delay_p90_us);
    if (h.delay_p99_us) append_field(o, "delay_p99_us", *h.delay_p99_us);
    if (h.delay_min_us) append_field(o, "delay_min_us", *h.delay_min_us);
    if (h.delay_max_us) append_field(o, "delay_max_us", *h.delay_max_us);
    if (h.queue_depth_p50) append_field(o, "queue_depth_p50", *h.queue_depth_p50);
    append_field(o, "start_us", h.start_us);
    append_field(o, "duration_us", h.duration_us);
    o += '}';
  }
  o += "]}";
  return o;
}

bool summary_from_json(const std::string& text, NetworkSummary& out) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    auto tid = core::parse_trace_id(j.at("trace_id").get<std::string>());
    auto sid = core::parse_span_id(j.at("span_id").get<std::string>());
    if (!tid || !sid) return false;
    out = NetworkSummary{};
    out.key = {*tid, *sid};
    // Summaries stored before directions were told apart are requests.
    const auto direction = core::parse_direction(j.value("direction", "request"));
    if (!direction) return false;
    out.key.direction = *direction;
    out.ids_lost = j.value("ids_lost", false);
    out.overflow = j.value("overflow", false);
    out.packets = j.value("packets", 0u);
    out.path = j.value("path", "");
    if (j.contains("slowest_hop")) out.slowest_hop = j["slowest_hop"].get<std::string>();
    if (j.contains("slowest_hop_delay_us"))
      out.slowest_hop_delay_us = j["slowest_hop_delay_us"].get<std::int64_t>();
    out.start_us = j.value("start_us", std::int64_t{0});
    out.duration_us = j.value("duration_us", std::int64_t{0});
    for (const json& o : j.at("hops")) {
      HopSummary h;
      h.hop = o.at("hop").get<int>();
      h.node_id = o.at("node_id").get<std::uint32_t>();
      h.name = o.value("name", "");
      h.namespace_id = o.value("namespace_id", std::uint16_t{0});
      if (o.contains("hop_limit")) h.hop_limit = o["hop_limit"].get<std::uint32_t>();
      if (o.contains("ingress_id")) h.ingress_id = o["ingress_id"].get<std::uint32_t>();
      if (o.contains("egress_id")) h.egress_id = o["egress_id"].get<std::uint32_t>();
      if (o.contains("queue_depth")) h.queue_depth_max = o["queue_depth"].get<std::uint32_t>();
      if (o.contains("namespace_data"))
        h.namespace_data_hex = o["namespace_data"].get<std::string>();
      h.packets = o.value("packets", 0u);
      if (o.contains("delay_us")) h.delay_us = o["delay_us"].get<std::int64_t>();
      if (o.contains("delay_p90_us")) h.delay_p90_us = o["delay_p90_us"].get<std::int64_t>();
      if (o.contains("delay_p99_us")) h.delay_p99_us = o["delay_p99_us"].get<std::int64_t>();
      if (o.contains("delay_min_us")) h.delay_min_us = o["delay_min_us"].get<std::int64_t>();
      if (o.contains("delay_max_us")) h.delay_max_us = o["delay_max_us"].get<std::int64_t>();
      if (o.contains("queue_depth_p50"))
        h.queue_depth_p50 = o["queue_depth_p50"].get<std::uint32_t>();
      h.start_us = o.value("start_us", std::int64_t{0});
      h.duration_us = o.value("duration_us", std::int64_t{0});
      out.hops.push_back(std::move(h));
    }
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

}  // namespace clt::collector
