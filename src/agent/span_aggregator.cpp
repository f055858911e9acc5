#include "agent/span_aggregator.h"

#include <bit>
#include <cstring>

namespace clt::agent {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v;
  h *= 0x100000001b3ull;
  return h ^ (h >> 29);
}

std::uint64_t hash_bytes(std::uint64_t h, const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p + i, 8);
    h = mix(h, v);
  }
  return h;
}

}  // namespace

SpanAggregator::SpanAggregator(const AggregatorConfig& config, SummaryQueue& queue,
                               AgentStats& stats)
    : config_(config), queue_(queue), stats_(stats) {
  if (config_.max_pending_spans == 0) config_.max_pending_spans = 1;
  slots_.resize(config_.max_pending_spans);
  free_.reserve(slots_.size());
  for (std::size_t i = slots_.size(); i-- > 0;) {
    free_.push_back(static_cast<std::int32_t>(i));
    slots_[i].summary.samples.resize(config_.raw_packets);
  }
  table_.assign(std::bit_ceil(slots_.size() * 2), -1);
  mask_ = table_.size() - 1;
}

std::int32_t SpanAggregator::find(const Key& key, std::uint64_t hash) const {
  for (std::size_t p = hash & mask_;; p = (p + 1) & mask_) {
    const std::int32_t s = table_[p];
    if (s < 0) return -1;
    if (slots_[static_cast<std::size_t>(s)].hash == hash &&
        slots_[static_cast<std::size_t>(s)].key == key)
      return s;
  }
}

std::int32_t SpanAggregator::open(const Key& key, std::uint64_t hash, const TraceRecord& record,
                                  const core::Trace& trace, std::uint64_t now_ns) {
  if (free_.empty()) flush(oldest_, Why::evicted);
  const std::int32_t s = free_.back();
  free_.pop_back();
  Slot& slot = slots_[static_cast<std::size_t>(s)];
  slot.key = key;
  slot.hash = hash;
  slot.opened_ns = now_ns;
  slot.summary.aggregate.reset(trace, record.src, record.dst);
  slot.summary.aggregate.direction = record.direction;
  slot.summary.sample_count = 0;
  std::size_t p = hash & mask_;
  while (table_[p] >= 0) p = (p + 1) & mask_;
  table_[p] = s;
  slot.older = newest_;
  slot.newer = -1;
  if (newest_ >= 0) slots_[static_cast<std::size_t>(newest_)].newer = s;
  newest_ = s;
  if (oldest_ < 0) oldest_ = s;
  ++pending_;
  return s;
}

void SpanAggregator::add(const TraceRecord& record, const core::Trace& trace,
                         std::uint64_t now_ns) {
  Key key{record.trace_id, record.span_id, record.src, record.dst, record.direction, 0};
  std::uint64_t path = mix(0xcbf29ce484222325ull, trace.namespace_id);
  path = mix(path, static_cast<std::uint64_t>(record.direction));
  for (std::size_t k = 0; k < trace.node_count; ++k) path = mix(path, trace.nodes[k].id);
  key.path = path;
  std::uint64_t hash = hash_bytes(path, record.trace_id.data(), record.trace_id.size());
  hash = hash_bytes(hash, record.span_id.data(), record.span_id.size());
  hash = hash_bytes(hash, record.src.data(), record.src.size());
  hash = hash_bytes(hash, record.dst.data(), record.dst.size());
  std::int32_t s = find(key, hash);
  if (s < 0) s = open(key, hash, record, trace, now_ns);
  Slot& slot = slots_[static_cast<std::size_t>(s)];
  slot.last_ns = now_ns;
  const std::int64_t captured_us = record.time_sec * 1'000'000 + record.time_usec;
  slot.summary.aggregate.add(trace, captured_us);
  if (slot.summary.sample_count < config_.raw_packets)
    slot.summary.samples[slot.summary.sample_count++] = record;
  stats_.packets_aggregated.add();
}

void SpanAggregator::unlink(std::int32_t s) {
  Slot& slot = slots_[static_cast<std::size_t>(s)];
  if (slot.older >= 0)
    slots_[static_cast<std::size_t>(slot.older)].newer = slot.newer;
  else
    oldest_ = slot.newer;
  if (slot.newer >= 0)
    slots_[static_cast<std::size_t>(slot.newer)].older = slot.older;
  else
    newest_ = slot.older;
}

void SpanAggregator::erase_from_table(std::int32_t s) {
  std::size_t i = slots_[static_cast<std::size_t>(s)].hash & mask_;
  while (table_[i] != s) i = (i + 1) & mask_;
  // Backward-shift deletion keeps every probe sequence unbroken.
  for (std::size_t j = (i + 1) & mask_; table_[j] >= 0; j = (j + 1) & mask_) {
    const std::size_t home = slots_[static_cast<std::size_t>(table_[j])].hash & mask_;
    const bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i] = -1;
}

void SpanAggregator::flush(std::int32_t s, Why why) {
  Slot& slot = slots_[static_cast<std::size_t>(s)];
  const std::uint64_t packets = slot.summary.aggregate.packets;
  if (queue_.try_push(slot.summary)) {
    stats_.summaries_queued.add();
  } else {
    stats_.summaries_dropped_queue_full.add();
    stats_.summary_packets_dropped_queue_full.add(packets);
  }
  switch (why) {
    case Why::quiet:
      stats_.summaries_flushed_quiet.add();
      break;
    case Why::periodic:
      stats_.summaries_flushed_periodic.add();
      break;
    case Why::evicted:
      stats_.summaries_flushed_early.add();
      break;
    case Why::shutdown:
      break;
  }
  unlink(s);
  erase_from_table(s);
  free_.push_back(s);
  --pending_;
}

void SpanAggregator::expire(std::uint64_t now_ns) {
  // Walking every open span each poll would cost more than it finds.
  if (now_ns - last_scan_ns_ < config_.quiet_ns / 4 && now_ns >= last_scan_ns_) return;
  last_scan_ns_ = now_ns;
  for (std::int32_t s = oldest_; s >= 0;) {
    const Slot& slot = slots_[static_cast<std::size_t>(s)];
    const std::int32_t next = slot.newer;
    if (now_ns - slot.opened_ns >= config_.flush_every_ns)
      flush(s, Why::periodic);
    else if (now_ns - slot.last_ns >= config_.quiet_ns)
      flush(s, Why::quiet);
    s = next;
  }
}

void SpanAggregator::flush_all() {
  while (oldest_ >= 0) flush(oldest_, Why::shutdown);
}

}  // namespace clt::agent
