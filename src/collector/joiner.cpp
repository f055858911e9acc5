#include "collector/joiner.h"

#include <algorithm>

#include "collector/model/record_blob.h"

namespace clt::collector {

void Joiner::add(JoinKey key, const PacketMeta& meta, std::span<const HopSample> hops,
                 std::string_view raw) {
  const bool ids_lost = !key.has_ids();
  if (ids_lost) {
    const core::Direction direction = key.direction;
    key = synthetic_key(meta, hops);
    key.direction = direction;
  }
  auto [it, inserted] = pending_.try_emplace(key);
  PendingSpan& p = it->second;
  if (inserted) {
    p.first_seen_us = meta.received_us;
    p.ids_lost = ids_lost;
  }
  p.last_seen_us = std::max(p.last_seen_us, meta.received_us);
  p.metas.push_back(meta);
  p.hops.insert(p.hops.end(), hops.begin(), hops.end());
  if (p.batch_count == 0) {
    p.batch_first_received_us = meta.received_us;
    touched_.push_back(key);
  }
  ++p.batch_count;
  append_raw_record(p.batch_raw, meta.received_us, raw);
}

void Joiner::abort_batch() {
  for (const JoinKey& key : touched_) {
    auto it = pending_.find(key);
    if (it == pending_.end()) continue;
    PendingSpan& p = it->second;
    const std::size_t keep = p.metas.size() - std::min<std::size_t>(p.batch_count, p.metas.size());
    std::size_t hops_dropped = 0;
    for (std::size_t i = keep; i < p.metas.size(); ++i) hops_dropped += p.metas[i].node_count;
    p.metas.resize(keep);
    p.hops.resize(p.hops.size() - std::min(hops_dropped, p.hops.size()));
    if (p.metas.empty()) {
      pending_.erase(it);
      continue;
    }
    p.batch_raw.clear();
    p.batch_count = 0;
  }
  touched_.clear();
}

void Joiner::due(std::int64_t now_us, std::vector<JoinKey>& out) const {
  const bool crowded = pending_.size() > options_.max_pending;
  for (const auto& [key, p] : pending_) {
    if (crowded || now_us - p.last_seen_us >= options_.quiet_us ||
        now_us - p.first_seen_us >= options_.max_wait_us)
      out.push_back(key);
  }
}

PendingSpan* Joiner::find(const JoinKey& key) {
  auto it = pending_.find(key);
  return it == pending_.end() ? nullptr : &it->second;
}

}  // namespace clt::collector
