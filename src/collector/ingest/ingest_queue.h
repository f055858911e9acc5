#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "aggregate/span_aggregate.h"
#include "collector/model/ioam_record.h"
#include "collector/model/metrics.h"
#include "collector/model/stored_span.h"

namespace clt::collector {

// One span summary as an agent sent it: its aggregate, and its sampled raw
// reports in the stored form (record_blob.h).
struct ReceivedSummary {
  JoinKey key;  // zero when the packets carried no ids
  aggregate::SpanAggregate aggregate;
  std::string samples;
  std::uint32_t sample_count = 0;
  std::int64_t received_us = 0;
};

// Everything received since the writer last took a batch. Vectors are reused
// from batch to batch, so steady-state ingestion does not allocate.
struct IngestBatch {
  std::uint64_t seq = 0;
  std::vector<JoinKey> keys;            // one per IOAM report
  std::vector<PacketMeta> metas;        // one per IOAM report
  std::vector<HopSample> hops;          // metas[i].node_count per report, in order
  std::vector<std::uint32_t> raw_ends;  // end offset in raw of each report
  std::string raw;                      // the reports as received (protobuf)
  std::vector<StoredSpan> spans;
  std::size_t span_bytes = 0;
  std::vector<ReceivedSummary> summaries;
  std::size_t summary_bytes = 0;

  std::size_t bytes() const {
    return raw.size() + hops.size() * sizeof(HopSample) + metas.size() * sizeof(PacketMeta) +
           span_bytes + summary_bytes;
  }
  bool empty() const { return metas.empty() && spans.empty() && summaries.empty(); }
  void clear();
};

// A bounded hand-off from the receivers (many threads) to the single store
// writer. Producers learn the sequence number of the batch their data went
// into and may wait until that batch is committed: that is when the sender
// gets its acknowledgement.
class IngestQueue {
 public:
  IngestQueue(std::size_t max_bytes, Metrics& metrics);

  // 0 when there is no room (and `block` is false, or the queue closed).
  std::uint64_t add_report(const JoinKey& key, const PacketMeta& meta,
                           const std::vector<HopSample>& hops, std::string_view raw, bool block);
  std::uint64_t add_spans(std::vector<StoredSpan>&& spans, bool block);
  std::uint64_t add_summaries(std::vector<ReceivedSummary>& summaries, bool block);

  enum class Outcome { committed, failed, timeout, closed };
  // Batch `seq`; with `failures_before` (failures() before the first of
  // several batches, e.g. one IOAM stream's), committed only if no batch
  // failed since: a stream is acknowledged only when all its reports are
  // stored.
  static constexpr std::uint64_t kThisBatchOnly = UINT64_MAX;
  Outcome wait_committed(std::uint64_t seq, std::chrono::milliseconds timeout,
                         std::uint64_t failures_before = kThisBatchOnly);
  // Batches that failed so far.
  std::uint64_t failures() const;

  // While the store cannot write (its disk is full), the receivers refuse
  // new data at once, saying `reason`, rather than queueing what would fail.
  void refuse_storage(std::string reason);
  // Lets data in again to try, the failure still unresolved.
  void reopen_storage();
  // A write succeeded: the failure is over.
  void accept_storage();
  // True, with the reason, while refusing.
  bool storage_refused(std::string& reason) const;
  // True, with the reason, from a storage failure until a write succeeds
  // (what a sender of a failed batch is told).
  bool storage_failing(std::string& reason) const;

  // Writer side: swaps the pending data into `out` (whose old content is
  // dropped); false when nothing arrived within `wait` or the queue closed.
  bool take(IngestBatch& out, std::chrono::milliseconds wait);
  void mark_done(std::uint64_t seq, bool ok);
  void close();
  bool closed() const;

 private:
  bool wait_for_room(std::unique_lock<std::mutex>& lock, std::size_t bytes, bool block);
  void wake_writer();

  const std::size_t max_bytes_;
  Metrics& metrics_;
  mutable std::mutex mu_;
  std::condition_variable writer_cv_;
  std::condition_variable room_cv_;
  std::condition_variable done_cv_;
  IngestBatch current_;
  bool writer_waiting_ = false;
  bool closed_ = false;
  std::uint64_t done_seq_ = 0;
  std::uint64_t failures_ = 0;
  static constexpr std::size_t kResults = 4096;
  std::array<bool, kResults> ok_{};  // outcome of batch seq, indexed seq % kResults
  // failures_ once batch seq was done, indexed seq % kResults
  std::array<std::uint64_t, kResults> failures_through_{};
  std::atomic<bool> storage_refused_{false};
  std::string storage_reason_;  // guarded by mu_
};

}  // namespace clt::collector
