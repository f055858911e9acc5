#include "core/trace_json.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace clt::core {

namespace {

using trace_bits::bit;

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void field(std::string& out, bool& first, const char* name) {
  if (!first) out += ", ";
  first = false;
  out += '"';
  out += name;
  out += "\": ";
}

void append_node(std::string& out, const NodeData& n, std::uint32_t type) {
  bool first = true;
  out += '{';
  auto num = [&](const char* name, std::uint64_t v) {
    field(out, first, name);
    append_uint(out, v);
  };
  if (type & (bit(0) | bit(8))) num("hop_limit", n.hop_limit);
  if (type & bit(0)) num("id", n.id);
  if (type & bit(1)) {
    num("ingress_id", n.ingress_id);
    num("egress_id", n.egress_id);
  }
  if (type & bit(2)) num("timestamp_secs", n.timestamp_secs);
  if (type & bit(3)) num("timestamp_frac", n.timestamp_frac);
  if (type & bit(4)) num("transit_delay", n.transit_delay);
  if (type & bit(5)) {
    field(out, first, "namespace_data");
    out += '"';
    append_be_hex(out, n.namespace_data, 4);
    out += '"';
  }
  if (type & bit(6)) num("queue_depth", n.queue_depth);
  if (type & bit(7)) num("checksum_complement", n.checksum_complement);
  if (type & bit(8)) num("id_wide", n.id_wide);
  if (type & bit(9)) {
    num("ingress_id_wide", n.ingress_id_wide);
    num("egress_id_wide", n.egress_id_wide);
  }
  if (type & bit(10)) {
    field(out, first, "namespace_data_wide");
    out += '"';
    append_be_hex(out, n.namespace_data_wide, 8);
    out += '"';
  }
  if (type & bit(11)) num("buffer_occupancy", n.buffer_occupancy);
  if (type & trace_bits::kOpaqueStateSnapshot) {
    field(out, first, "oss");
    out += "{\"schema_id\": ";
    append_uint(out, n.oss.schema_id);
    out += ", \"data\": \"";
    append_hex(out, n.oss.data.data(), n.oss.data.size());
    out += "\"}";
  }
  out += '}';
}

}  // namespace

void append_ipv6(std::string& out, const Ipv6Address& a) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, a.data(), buf, sizeof buf) == nullptr) buf[0] = '\0';
  out += buf;
}

void append_trace_json(std::string& out, const Trace& t, const JsonContext& ctx) {
  out += "{\"frame\": ";
  append_uint(out, ctx.frame);
  out += ", \"time\": ";
  if (ctx.time_sec < 0) out += '-';
  append_uint(out, static_cast<std::uint64_t>(ctx.time_sec < 0 ? -ctx.time_sec : ctx.time_sec));
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%06d", ctx.time_usec);
  out += frac;
  if (ctx.src) {
    out += ", \"src\": \"";
    append_ipv6(out, *ctx.src);
    out += '"';
  }
  if (ctx.dst) {
    out += ", \"dst\": \"";
    append_ipv6(out, *ctx.dst);
    out += '"';
  }
  if (ctx.direction) {
    out += ", \"direction\": \"";
    out += to_string(*ctx.direction);
    out += '"';
  }
  out += ", \"namespace\": ";
  append_uint(out, t.namespace_id);
  out += ", \"trace_type\": \"0x";
  append_be_hex(out, t.trace_type, 3);
  out += "\", \"node_len\": ";
  append_uint(out, t.node_len);
  out += ", \"flags\": {\"overflow\": ";
  out += t.flags.overflow ? "true" : "false";
  out += ", \"loopback\": ";
  out += t.flags.loopback ? "true" : "false";
  out += ", \"active\": ";
  out += t.flags.active ? "true" : "false";
  out += "}, \"remaining_len\": ";
  append_uint(out, t.remaining_len);
  if (t.ids_intact) {
    out += ", \"trace_id\": \"";
    append_hex(out, t.trace_id.data(), 16);
    out += "\", \"span_id\": \"";
    append_hex(out, t.span_id.data(), 8);
    out += '"';
  } else {
    out += ", \"trace_id\": null, \"span_id\": null";
  }
  out += ", \"ids_intact\": ";
  out += t.ids_intact ? "true" : "false";
  if (ctx.truncated) out += ", \"truncated\": true";
  out += ", \"nodes\": [";
  for (std::size_t i = 0; i < t.node_count; ++i) {
    if (i) out += ", ";
    append_node(out, t.nodes[i], t.trace_type);
  }
  out += "]}";
}

void append_error_json(std::string& out, std::uint64_t frame, DecodeError error) {
  out += "{\"frame\": ";
  append_uint(out, frame);
  out += ", \"error\": \"";
  out += to_string(error);
  out += "\"}";
}

}  // namespace clt::core
