#include "aggregate/summary_proto.h"

#include <algorithm>
#include <cstring>

#include "core/ids.h"

namespace clt::aggregate {

namespace {

void encode_sketch(const sketch::LogSketch& s, clt::v1::Sketch& out) {
  out.set_relative_accuracy(sketch::LogSketch::kRelativeAccuracy);
  out.clear_keys();
  out.clear_counts();
  for (std::size_t i = 0; i < s.bin_count(); ++i) {
    out.add_keys(s.bin_key(i));
    out.add_counts(s.bin_weight(i));
  }
  out.set_min(s.min());
  out.set_max(s.max());
  out.set_collapsed(s.collapsed());
}

bool decode_sketch(const clt::v1::Sketch& in, sketch::LogSketch& out, const char* what,
                   std::string& error) {
  out.clear();
  if (in.keys_size() == 0 && in.counts_size() == 0) return true;
  if (in.relative_accuracy() != sketch::LogSketch::kRelativeAccuracy) {
    error = std::string(what) + " has relative accuracy " + std::to_string(in.relative_accuracy()) +
            "; this collector merges sketches of " +
            std::to_string(sketch::LogSketch::kRelativeAccuracy) + " only";
    return false;
  }
  if (in.keys_size() != in.counts_size() ||
      static_cast<std::size_t>(in.keys_size()) > sketch::LogSketch::kMaxBins) {
    error = std::string(what) + " has " + std::to_string(in.keys_size()) + " keys and " +
            std::to_string(in.counts_size()) + " counts (at most " +
            std::to_string(sketch::LogSketch::kMaxBins) + " of each, as many of both)";
    return false;
  }
  std::int16_t keys[sketch::LogSketch::kMaxBins];
  std::uint32_t counts[sketch::LogSketch::kMaxBins];
  for (int i = 0; i < in.keys_size(); ++i) {
    const std::int32_t k = in.keys(i);
    if (k > sketch::LogSketch::kMaxKey || k < -sketch::LogSketch::kMaxKey) {
      error = std::string(what) + " has key " + std::to_string(k) + ", out of range";
      return false;
    }
    keys[i] = static_cast<std::int16_t>(k);
    counts[i] = in.counts(i);
  }
  if (!out.assign(keys, counts, static_cast<std::size_t>(in.keys_size()), in.min(), in.max(),
                  in.collapsed())) {
    error = std::string(what) +
            " is inconsistent: keys must ascend, counts be non-zero, and min and max fall in the "
            "first and last buckets";
    return false;
  }
  return true;
}

void encode_hop(const HopAggregate& h, clt::v1::HopSummary& out) {
  out.Clear();
  out.set_node_id(h.first.node_id);
  if (h.first.has_hop_limit) out.set_hop_limit(h.first.hop_limit);
  if (h.first.has_interfaces) {
    out.set_ingress_id(h.first.ingress_id);
    out.set_egress_id(h.first.egress_id);
  }
  if (h.first.namespace_data_len > 0) {
    std::uint8_t bytes[8];
    core::store_be64(bytes, h.first.namespace_data);
    out.set_namespace_data(bytes + 8 - h.first.namespace_data_len, h.first.namespace_data_len);
  }
  out.set_packets(h.packets);
  if (!h.delay_us.empty()) encode_sketch(h.delay_us, *out.mutable_delay_us());
  if (!h.queue_depth.empty()) encode_sketch(h.queue_depth, *out.mutable_queue_depth());
  if (h.first_timestamp_us >= 0) {
    out.set_first_timestamp_us(h.first_timestamp_us);
    out.set_last_timestamp_us(h.last_timestamp_us);
  }
  if (h.previous_timestamp_us >= 0) out.set_previous_timestamp_us(h.previous_timestamp_us);
  out.set_previous_timestamp_constant(h.previous_constant);
}

bool decode_hop(const clt::v1::HopSummary& in, HopAggregate& out, std::string& error) {
  out.clear();
  out.first.node_id = in.node_id();
  out.first.has_hop_limit = in.has_hop_limit();
  out.first.hop_limit = static_cast<std::uint8_t>(in.hop_limit());
  out.first.has_interfaces = in.has_ingress_id() || in.has_egress_id();
  out.first.ingress_id = in.ingress_id();
  out.first.egress_id = in.egress_id();
  const std::string& data = in.namespace_data();
  if (!data.empty() && data.size() != 4 && data.size() != 8) {
    error = "namespace_data has " + std::to_string(data.size()) + " bytes (4 or 8, or none)";
    return false;
  }
  out.first.namespace_data_len = static_cast<std::uint8_t>(data.size());
  for (unsigned char c : data) out.first.namespace_data = (out.first.namespace_data << 8) | c;
  out.packets = in.packets();
  if (!decode_sketch(in.delay_us(), out.delay_us, "delay_us", error) ||
      !decode_sketch(in.queue_depth(), out.queue_depth, "queue_depth", error))
    return false;
  if (out.delay_us.count() > out.packets || out.queue_depth.count() > out.packets) {
    error =
        "a hop's sketch counts more values than its " + std::to_string(out.packets) + " packets";
    return false;
  }
  out.first.has_queue_depth = !out.queue_depth.empty();
  if (in.has_first_timestamp_us() != in.has_last_timestamp_us() ||
      in.first_timestamp_us() > in.last_timestamp_us() || in.first_timestamp_us() < 0) {
    error = "a hop's first and last timestamps must both be given, not negative, in order";
    return false;
  }
  out.first_timestamp_us = in.has_first_timestamp_us() ? in.first_timestamp_us() : -1;
  out.last_timestamp_us = in.has_last_timestamp_us() ? in.last_timestamp_us() : -1;
  out.first.timestamp_us = out.first_timestamp_us;
  out.previous_timestamp_us = in.has_previous_timestamp_us() ? in.previous_timestamp_us() : -1;
  out.previous_constant = in.previous_timestamp_constant();
  return true;
}

template <std::size_t N>
bool read_id(const std::string& bytes, std::array<std::uint8_t, N>& out) {
  out = {};
  if (bytes.empty()) return true;
  if (bytes.size() != N) return false;
  std::memcpy(out.data(), bytes.data(), N);
  return true;
}

}  // namespace

void encode_summary(const SpanAggregate& a, clt::v1::SpanSummary& out) {
  if (core::is_zero(a.trace_id))
    out.clear_trace_id();
  else
    out.set_trace_id(a.trace_id.data(), a.trace_id.size());
  if (core::is_zero(a.span_id))
    out.clear_span_id();
  else
    out.set_span_id(a.span_id.data(), a.span_id.size());
  out.set_ids_lost(a.ids_lost);
  out.set_overflow(a.overflow);
  out.set_namespace_id(a.namespace_id);
  out.set_trace_type(a.trace_type);
  out.set_source(a.source.data(), a.source.size());
  out.set_destination(a.destination.data(), a.destination.size());
  out.set_packets(a.packets);
  out.set_direction(a.direction == core::Direction::kResponse ? ioam_api::CLT_DIRECTION_RESPONSE
                                                              : ioam_api::CLT_DIRECTION_REQUEST);
  out.set_first_captured_us(a.first_captured_us);
  out.set_last_captured_us(a.last_captured_us);
  // Reuses the hop messages of earlier use.
  while (static_cast<std::size_t>(out.hops_size()) > a.hop_count) out.mutable_hops()->RemoveLast();
  for (std::size_t k = 0; k < a.hop_count; ++k) {
    clt::v1::HopSummary* h = k < static_cast<std::size_t>(out.hops_size())
                                 ? out.mutable_hops(static_cast<int>(k))
                                 : out.add_hops();
    encode_hop(a.hops[k], *h);
  }
}

bool decode_summary(const clt::v1::SpanSummary& in, SpanAggregate& out, std::string& error) {
  if (!read_id(in.trace_id(), out.trace_id) || !read_id(in.span_id(), out.span_id)) {
    error = "trace_id must have 16 bytes and span_id 8 (or both be empty), not " +
            std::to_string(in.trace_id().size()) + " and " + std::to_string(in.span_id().size());
    return false;
  }
  if (core::is_zero(out.trace_id) != core::is_zero(out.span_id)) {
    error = "a summary has a trace id without a span id, or the reverse";
    return false;
  }
  if (in.namespace_id() > 0xffff || in.trace_type() > 0xffffff) {
    error = "namespace_id is 16 bits and trace_type 24";
    return false;
  }
  if (in.packets() == 0) {
    error = "a summary of no packets";
    return false;
  }
  if (static_cast<std::size_t>(in.hops_size()) > core::kMaxNodes) {
    error = "a summary with " + std::to_string(in.hops_size()) + " hops (an IOAM option holds " +
            std::to_string(core::kMaxNodes) + " at most)";
    return false;
  }
  if (!read_id(in.source(), out.source) || !read_id(in.destination(), out.destination)) {
    error = "source and destination are 16-byte IPv6 addresses";
    return false;
  }
  if (in.direction() != ioam_api::CLT_DIRECTION_REQUEST &&
      in.direction() != ioam_api::CLT_DIRECTION_RESPONSE) {
    error = "direction " + std::to_string(in.direction()) +
            " is not one this collector knows (0 request, 1 response)";
    return false;
  }
  out.direction = in.direction() == ioam_api::CLT_DIRECTION_RESPONSE ? core::Direction::kResponse
                                                                     : core::Direction::kRequest;
  out.ids_lost = in.ids_lost();
  out.overflow = in.overflow();
  out.namespace_id = static_cast<std::uint16_t>(in.namespace_id());
  out.trace_type = in.trace_type();
  out.packets = in.packets();
  out.first_captured_us = in.first_captured_us();
  out.last_captured_us = in.last_captured_us();
  out.hop_count = static_cast<std::size_t>(in.hops_size());
  if (out.hops.size() < out.hop_count) out.hops.resize(out.hop_count);
  for (std::size_t k = 0; k < out.hop_count; ++k) {
    if (!decode_hop(in.hops(static_cast<int>(k)), out.hops[k], error)) {
      error = "hop " + std::to_string(k + 1) + ": " + error;
      return false;
    }
    if (out.hops[k].packets > out.packets) {
      error = "hop " + std::to_string(k + 1) + " counts more packets than the span";
      return false;
    }
  }
  return true;
}

}  // namespace clt::aggregate
