#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collector/model/ioam_record.h"

namespace clt::collector {

struct JoinOptions {
  // A span's network summary is written once no packet arrived for it for
  // `quiet_us`, or `max_wait_us` after its first packet (long-lived spans are
  // rewritten as more packets arrive).
  std::int64_t quiet_us = 500'000;
  std::int64_t max_wait_us = 5'000'000;
  // Beyond this many pending spans, the oldest are summarized early.
  std::size_t max_pending = 200'000;
};

// Packets of one span not yet summarized, plus the reports of the current
// batch still to be stored.
struct PendingSpan {
  std::vector<PacketMeta> metas;
  std::vector<HopSample> hops;
  std::int64_t first_seen_us = 0;
  std::int64_t last_seen_us = 0;
  bool ids_lost = false;
  // Reports of this batch, as stored (see append_raw_record in record_blob.h).
  std::string batch_raw;
  std::uint32_t batch_count = 0;
  std::int64_t batch_first_received_us = 0;
};

// Groups reports by (trace id, span id) in memory until they are summarized.
// Used by the store writer thread only.
class Joiner {
 public:
  explicit Joiner(JoinOptions options) : options_(options) {}

  void add(JoinKey key, const PacketMeta& meta, std::span<const HopSample> hops,
           std::string_view raw);
  // Calls visit(key, pending) for each span that got reports in this batch;
  // their batch parts stay until end_batch().
  template <typename F>
  void for_each_batch_part(F&& visit) {
    for (const JoinKey& key : touched_) {
      auto it = pending_.find(key);
      if (it != pending_.end()) visit(key, it->second);
    }
  }
  void end_batch() {
    for (const JoinKey& key : touched_) {
      auto it = pending_.find(key);
      if (it == pending_.end()) continue;
      it->second.batch_raw.clear();
      it->second.batch_count = 0;
    }
    touched_.clear();
  }
  // The batch could not be stored: its reports leave the pending spans too,
  // so that a summary counts only stored reports (the senders retry them).
  void abort_batch();
  template <typename F>
  void drain_batch(F&& store) {
    for_each_batch_part(store);
    end_batch();
  }
  // Keys due for summarizing at now_us.
  void due(std::int64_t now_us, std::vector<JoinKey>& out) const;
  PendingSpan* find(const JoinKey& key);
  void erase(const JoinKey& key) { pending_.erase(key); }
  std::size_t size() const { return pending_.size(); }

 private:
  JoinOptions options_;
  std::unordered_map<JoinKey, PendingSpan, JoinKeyHash> pending_;
  std::vector<JoinKey> touched_;
};

}  // namespace clt::collector
