#include "agent/trace_matcher.h"

#include <algorithm>
#include <cstring>

#include "core/trace_type.h"

namespace clt::agent {

namespace {

bool same_trace_kind(const TraceRecord& a, std::uint16_t ns, std::uint32_t type,
                     std::uint8_t node_len) {
  return a.namespace_id == ns && a.trace_type == type && a.node_len == node_len;
}

bool equal_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

std::span<const std::uint8_t> nodes_of(const TraceRecord& r) {
  return {r.node_bytes.data(), r.node_bytes_len};
}

}  // namespace

std::uint64_t hash_bytes(std::span<const std::uint8_t> bytes) {
  // FNV-style, 8 bytes per multiply: byte by byte it was a quarter of the
  // capture thread's time per packet (node data hashed up to three times).
  constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  std::uint64_t h = 1469598103934665603ULL ^ bytes.size();
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, bytes.data() + i, 8);
    h = (h ^ v) * kPrime;
    h ^= h >> 32;
  }
  for (; i < bytes.size(); ++i) h = (h ^ bytes[i]) * kPrime;
  return h ^ (h >> 29);
}

std::size_t local_entry_bytes(std::span<const std::uint8_t> data, std::uint32_t trace_type,
                              std::uint8_t node_len) {
  std::size_t bytes = std::size_t{node_len} * 4;
  if ((trace_type & core::trace_bits::kOpaqueStateSnapshot) && data.size() >= bytes + 4) {
    bytes += 4 + std::size_t{data[bytes]} * 4;
  }
  return std::min(bytes, data.size());
}

TraceMatcher::Pending& TraceMatcher::PendingFifo::push() {
  Pending& p = slots_[(head_ + span_) % slots_.size()];
  ++span_;
  ++live_;
  p.live = true;
  return p;
}

TraceMatcher::Pending* TraceMatcher::PendingFifo::oldest() {
  return span_ == 0 ? nullptr : &slots_[head_];
}

void TraceMatcher::PendingFifo::pop_oldest() {
  if (span_ == 0) return;
  if (slots_[head_].live) {
    slots_[head_].live = false;
    --live_;
  }
  head_ = (head_ + 1) % slots_.size();
  --span_;
  skip_dead();
}

void TraceMatcher::PendingFifo::remove(Pending& p) {
  p.live = false;
  --live_;
  skip_dead();
}

void TraceMatcher::PendingFifo::skip_dead() {
  while (span_ > 0 && !slots_[head_].live) {
    head_ = (head_ + 1) % slots_.size();
    --span_;
  }
}

TraceMatcher::TraceMatcher(const MatcherConfig& config, TraceSink& sink)
    : config_(config),
      sink_(sink),
      captures_(std::max<std::size_t>(config.capacity, 1)),
      events_(std::max<std::size_t>(config.capacity, 1)) {}

void TraceMatcher::emit_merged(const TraceRecord& capture,
                               std::span<const std::uint8_t> event_data) {
  scratch_ = capture;
  scratch_.source = TraceSource::kCaptureAndEvent;
  const std::size_t added = event_data.size() - capture.node_bytes_len;
  const std::size_t added_words = added / 4;
  scratch_.remaining_len = static_cast<std::uint8_t>(
      scratch_.remaining_len >= added_words ? scratch_.remaining_len - added_words : 0);
  // No room left on this node: the kernel raised Overflow instead of writing.
  if (added == 0 && capture.remaining_len < capture.node_len) scratch_.flags.overflow = true;
  std::copy(event_data.begin(), event_data.end(), scratch_.node_bytes.begin());
  scratch_.node_bytes_len = static_cast<std::uint16_t>(event_data.size());
  ++counters_.matched;
  sink_.emit(scratch_);
}

void TraceMatcher::report_alone(Pending& p, bool is_capture) {
  if (is_capture) {
    ++counters_.capture_only;
  } else {
    ++counters_.event_only;
  }
  sink_.emit(p.record);
}

void TraceMatcher::on_capture(const TraceRecord& record, bool expects_event, std::uint64_t now_ns) {
  if (!expects_event) {
    ++counters_.capture_only;
    sink_.emit(record);
    return;
  }
  const auto key = nodes_of(record);
  const std::uint64_t h = hash_bytes(key);
  Pending* event = events_.find([&](const Pending& e) {
    if (!same_trace_kind(e.record, record.namespace_id, record.trace_type, record.node_len)) {
      return false;
    }
    const auto data = nodes_of(e.record);
    if (e.key_hash == h && equal_bytes(data.subspan(e.key_offset), key)) return true;
    return e.whole_hash == h && equal_bytes(data, key);
  });
  if (event) {
    emit_merged(record, nodes_of(event->record));
    events_.remove(*event);
    return;
  }
  if (captures_.full()) {
    ++counters_.evicted;
    report_alone(*captures_.oldest(), true);
    captures_.pop_oldest();
  }
  Pending& p = captures_.push();
  p.record = record;
  p.arrival_ns = now_ns;
  p.key_hash = h;
  p.whole_hash = h;
  p.key_offset = 0;
}

void TraceMatcher::on_event(const EventView& event, core::Layout layout, std::int64_t time_sec,
                            std::int32_t time_usec, std::uint64_t now_ns) {
  if (event.data.size() > kMaxNodeBytes) {
    ++counters_.oversized_event;
    return;
  }
  const std::size_t local = local_entry_bytes(event.data, event.trace_type, event.node_len);
  const auto tail = event.data.subspan(local);
  const std::uint64_t key_hash = hash_bytes(tail);
  const std::uint64_t whole_hash = hash_bytes(event.data);
  Pending* capture = captures_.find([&](const Pending& c) {
    if (!same_trace_kind(c.record, event.namespace_id, event.trace_type, event.node_len)) {
      return false;
    }
    const auto key = nodes_of(c.record);
    return (c.key_hash == key_hash && equal_bytes(key, tail)) ||
           (c.key_hash == whole_hash && equal_bytes(key, event.data));
  });
  if (capture) {
    emit_merged(capture->record, event.data);
    captures_.remove(*capture);
    return;
  }
  if (events_.full()) {
    ++counters_.evicted;
    report_alone(*events_.oldest(), false);
    events_.pop_oldest();
  }
  Pending& p = events_.push();
  TraceRecord& r = p.record;
  r.source = TraceSource::kEventOnly;
  r.namespace_id = event.namespace_id;
  r.node_len = event.node_len;
  r.trace_type = event.trace_type;
  r.flags = {};
  r.remaining_len = 0;
  r.layout = layout;
  r.ids_intact = false;
  r.has_addresses = false;
  r.direction = core::Direction::kRequest;
  r.trace_id = {};
  r.span_id = {};
  r.time_sec = time_sec;
  r.time_usec = time_usec;
  std::copy(event.data.begin(), event.data.end(), r.node_bytes.begin());
  r.node_bytes_len = static_cast<std::uint16_t>(event.data.size());
  p.arrival_ns = now_ns;
  p.key_hash = key_hash;
  p.whole_hash = whole_hash;
  p.key_offset = static_cast<std::uint16_t>(local);
}

void TraceMatcher::expire(std::uint64_t now_ns) {
  for (auto* fifo : {&captures_, &events_}) {
    const bool is_capture = fifo == &captures_;
    while (Pending* p = fifo->oldest()) {
      if (now_ns - p->arrival_ns < config_.window_ns) break;
      report_alone(*p, is_capture);
      fifo->pop_oldest();
    }
  }
}

void TraceMatcher::flush() {
  for (auto* fifo : {&captures_, &events_}) {
    const bool is_capture = fifo == &captures_;
    while (Pending* p = fifo->oldest()) {
      report_alone(*p, is_capture);
      fifo->pop_oldest();
    }
  }
}

}  // namespace clt::agent
