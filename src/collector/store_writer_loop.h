#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collector/ingest/ingest_queue.h"
#include "collector/joiner.h"
#include "collector/model/clock.h"
#include "collector/model/jaeger_span.h"
#include "collector/model/metrics.h"
#include "collector/model/node_names.h"
#include "collector/store/store.h"
#include "os/log.h"

namespace clt::collector {

class SpanExporter;

struct WriterOptions {
  JoinOptions join;
  std::int64_t retention_age_us = 0;  // 0: keep forever
  std::int64_t max_db_bytes = 0;      // 0: no limit
  std::chrono::milliseconds retention_interval{10'000};
  // After a write failed for want of storage (disk full), new data is
  // refused for this long; then the next batch tries again.
  std::chrono::milliseconds storage_retry_interval{1'000};
  bool export_app_spans = false;
};

// The single thread that owns the store's writing side: stores each batch
// from the ingest queue in one write (then acknowledges it), keeps the join,
// writes network summaries when spans go quiet (a write of their own: they
// are derived from stored records or stored aggregates, and recover() redoes
// what a crash lost), and applies retention.
class StoreWriterLoop {
 public:
  // write_errors (may be null) says why writes fail, rate-limited, beside
  // the store_errors counter.
  StoreWriterLoop(IngestQueue& queue, Store& store, const NodeNames& names, Metrics& metrics,
                  SpanExporter* exporter, WriterOptions options,
                  os::RateLimitedError* write_errors = nullptr);

  // Summarizes what a previous run stored but did not summarize.
  void recover();
  // Runs until the queue is closed and drained.
  void run();
  // One iteration (for tests): store `batch`, then summarize what is due at now_us.
  bool process(IngestBatch& batch, std::int64_t now_us);
  // Summarizes every pending span now (shutdown, tests).
  bool flush_all(std::int64_t now_us);

 private:
  bool store_batch(IngestBatch& batch);
  // Merges the agents' summaries of the batch into the spans' stored
  // aggregates and adds the merged aggregates (not yet their network rows)
  // to write_.
  bool merge_summaries(IngestBatch& batch, std::int64_t now_us);
  // Reads the stored aggregates of the batch's spans not cached in merged_.
  bool load_merged(const IngestBatch& batch);
  bool summarize_due(std::int64_t now_us, bool everything);
  // Adds to write_ the network rows of merged spans gone quiet (or waiting
  // longer than max_wait_us, or crowding memory), and of the spans in
  // from_store_; remembers them in networked_.
  bool add_merged_networks(std::int64_t now_us, bool everything);
  void add_network(const JoinKey& key, const aggregate::SpanAggregate& a, std::int64_t now_us);
  // After the write of add_merged_networks: quiet spans leave memory; or,
  // when it failed, they wait for the next pass.
  void end_merged_networks(bool written);
  bool summarize(const JoinKey& key, PendingSpan* pending, std::int64_t now_us);
  // Writes write_ and remembers its operations once stored.
  bool commit_write();
  void note_write_error();
  // Refusing new data while storage is full, and accepting it again.
  void refuse_for_storage();
  void end_storage_refusal();
  // Reopens the receivers once the retry interval passed.
  void retry_storage(std::int64_t now_us);
  void note_operation(const std::string& service, const std::string& operation);
  void apply_retention(std::int64_t now_us);

  IngestQueue& queue_;
  Store& store_;
  os::RateLimitedError* write_errors_;
  const NodeNames& names_;
  Metrics& metrics_;
  SpanExporter* exporter_;
  WriterOptions options_;
  Joiner joiner_;
  std::set<std::pair<std::string, std::string>> operations_;
  std::vector<JoinKey> due_;
  StoreWrite write_;
  std::vector<JaegerSpan> derived_;
  std::vector<StoredSpan> derived_stored_;
  // Aggregates of spans summarized by agents, as stored, whose network row
  // waits until the span goes quiet: a span summarized several times (agents
  // flushing a long span, several agents) gets one network row, not one per
  // summary. The aggregate itself is stored with each batch (what the
  // acknowledgement promises); a crash loses only network rows, which
  // recover() derives again from the stored aggregates.
  struct MergedSpan {
    aggregate::SpanAggregate aggregate;
    std::int64_t touched_us = 0;    // when last merged
    std::int64_t unwritten_us = 0;  // merged since its network row, from then; 0: none
    std::uint64_t mark = 0;         // the batch that last merged into it
  };
  std::uint64_t batch_mark_ = 0;
  std::unordered_map<JoinKey, MergedSpan, JoinKeyHash> merged_;
  // Each batch's merges in order (key, touched_us): the quiet spans are at
  // the front, so a pass does not walk every merged span.
  std::deque<std::pair<JoinKey, std::int64_t>> merge_order_;
  struct Networked {
    JoinKey key;
    std::int64_t unwritten_us = 0;
    bool quiet = false;
  };
  std::vector<Networked> networked_;
  // Spans whose network row is derived from their stored aggregate (after a
  // crash, or after a failed batch dropped their merged state).
  std::vector<JoinKey> from_store_;
  std::vector<JoinKey> merged_touched_;
  std::vector<JoinKey> to_load_;
  KeyAggregates stored_aggregates_;
  KeyPackets stored_packets_;  // of due_: the spans summarized before
  std::vector<PacketMeta> reload_metas_;
  std::vector<HopSample> reload_hops_;
  std::int64_t last_retention_us_ = 0;
  std::int64_t last_due_scan_us_ = 0;
  std::int64_t storage_retry_at_us_ = 0;  // 0: not refusing
  bool storage_failed_ = false;           // since the last write that succeeded
  static constexpr std::int64_t kDueScanIntervalUs = 20'000;
};

}  // namespace clt::collector
