#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collector/model/ioam_record.h"
#include "collector/model/network_summary.h"
#include "collector/model/stored_span.h"

namespace clt::collector {

using KeyPackets = std::unordered_map<JoinKey, std::uint32_t, JoinKeyHash>;
using KeyAggregates = std::unordered_map<JoinKey, std::string, JoinKeyHash>;

// The raw reports of one span from one batch (see record_blob.h).
struct RecordWrite {
  JoinKey key;
  bool ids_lost = false;
  std::int64_t first_received_us = 0;
  std::uint32_t count = 0;
  std::string_view blob;  // must stay alive until Store::write returns
};

// A network summary with its stored form; updated_us is when it was written
// (retention of summaries goes by it: the IOAM timestamps come from the
// nodes' clocks).
struct SummaryWrite {
  NetworkSummary summary;
  std::string json;
  std::int64_t updated_us = 0;
  // For a span the agents summarized: its merged aggregate, a serialized
  // clt.v1.SpanSummary without samples, kept to merge later summaries into
  // (Store::span_aggregate). Empty for a summary derived from stored reports.
  std::string aggregate;
  // False: only the aggregate is written (summary holds just the key); the
  // network row follows once the span goes quiet.
  bool network = true;
};

// What one write stores, all or nothing: the unit a batching store (SQLite's
// transaction, a ClickHouse INSERT per table) works in.
struct StoreWrite {
  std::vector<RecordWrite> records;
  std::span<const StoredSpan> spans;  // replaces a stored span of the same ids
  std::vector<SummaryWrite> summaries;
  std::vector<std::pair<std::string, std::string>> operations;  // (service, operation)

  bool empty() const {
    return records.empty() && spans.empty() && summaries.empty() && operations.empty();
  }
  void clear() {
    records.clear();
    spans = {};
    summaries.clear();
    operations.clear();
  }
};

// A span search (Jaeger's: tags match span or process tags, values as text).
struct SpanSearch {
  std::string service;  // empty: every service
  std::string operation;
  std::map<std::string, std::string> tags;
  std::int64_t start_us = 0;
  std::int64_t end_us = INT64_MAX;
  std::optional<std::int64_t> min_duration_us;
  std::optional<std::int64_t> max_duration_us;
  std::size_t limit = 20;                   // traces
  std::size_t max_scanned_spans = 200'000;  // bounds the work of one search
  // A tag fewer spans than this carry drives the search (its spans, sorted);
  // otherwise spans are walked newest first and each tag checked.
  std::size_t tag_drives_below = 10'000;
};

// The reading side: one per querying thread. Each list call is false when
// the answer would take more than max_bytes (what was read so far is in out).
class StoreReader {
 public:
  virtual ~StoreReader() = default;
  virtual bool services(std::vector<std::string>& out, std::size_t max_bytes) = 0;
  virtual bool operations(const std::string& service, std::vector<std::string>& out,
                          std::size_t max_bytes) = 0;
  virtual bool trace_spans(const core::TraceId& id, std::vector<StoredSpan>& out,
                           std::size_t max_bytes) = 0;
  virtual void trace_networks(const core::TraceId& id, std::vector<NetworkSummary>& out) = 0;
  // The same for several traces at once (a search's answer), appended to
  // out, each trace's rows in the order the one-trace call gives them: on a
  // server one query for all instead of one per trace. By default, one
  // trace after the other. False when the spans would take more than
  // max_bytes together.
  virtual bool traces_spans(std::span<const core::TraceId> ids, std::vector<StoredSpan>& out,
                            std::size_t max_bytes) {
    std::size_t bytes = 0;
    for (const core::TraceId& id : ids) {
      const std::size_t first = out.size();
      if (!trace_spans(id, out, max_bytes - bytes)) return false;
      for (std::size_t i = first; i < out.size(); ++i) bytes += out[i].answer_bytes();
      if (bytes > max_bytes) return false;
    }
    return true;
  }
  virtual void traces_networks(std::span<const core::TraceId> ids,
                               std::vector<NetworkSummary>& out) {
    for (const core::TraceId& id : ids) trace_networks(id, out);
  }
  // Traces with a span matching `search`, the newest spans first.
  virtual void find_traces(const SpanSearch& search, std::vector<core::TraceId>& out) = 0;
  // Summaries that started in [start, end], newest first; `visit` returns
  // false to stop.
  virtual void scan_networks(std::int64_t start_us, std::int64_t end_us,
                             const std::function<bool(const NetworkSummary&)>& visit) = 0;
  // The raw reports of key in arrival order: (received_us, protobuf bytes).
  virtual void records(const JoinKey& key,
                       const std::function<void(std::int64_t, std::string_view)>& visit) = 0;
  virtual std::int64_t count_spans() = 0;
};

// The writing side, owned by the store writer thread.
class Store {
 public:
  virtual ~Store() = default;

  virtual bool write(const StoreWrite& w) = 0;
  // Why the last write failed, as the database said it.
  virtual std::string last_error() const = 0;
  // Whether the last write failed for want of storage (disk full, an I/O
  // error): later writes may succeed once space returns.
  virtual bool last_failure_was_storage() const { return false; }
  // Of `keys`, those with a stored summary and its packets, into `out`
  // (cleared first): one lookup for all of them, which on a server is one
  // round trip per writer pass instead of one per span. False (with
  // last_error) when the store could not answer.
  virtual bool network_packets(std::span<const JoinKey> keys, KeyPackets& out) = 0;
  // Of `keys`, those with a stored aggregate (SummaryWrite::aggregate) and
  // its bytes, into `out` (cleared first), the same way.
  virtual bool span_aggregates(std::span<const JoinKey> keys, KeyAggregates& out) = 0;
  // Every stored report of key, decoded again (for late packets and recovery).
  virtual bool load_records(const JoinKey& key, std::vector<PacketMeta>& metas,
                            std::vector<HopSample>& hops, bool& ids_lost) = 0;
  // Keys with records received since `since_us` whose summary is missing or
  // counts a different number of packets (after a crash); keys with a stored
  // aggregate are not among them (their records are samples only).
  virtual std::vector<JoinKey> keys_needing_summary(std::int64_t since_us) = 0;
  // Keys whose aggregate was stored since `since_us` after their network
  // row, or without one (the writer died before the span went quiet).
  virtual std::vector<JoinKey> keys_needing_network(std::int64_t since_us) = 0;
  virtual std::vector<std::pair<std::string, std::string>> operations() = 0;

  // Retention: deletes what started before cutoff_us; returns rows deleted.
  virtual std::int64_t delete_older_than(std::int64_t cutoff_us) = 0;
  // Oldest and newest time among stored rows (for size-based retention).
  virtual std::optional<std::int64_t> oldest_us() = 0;
  virtual std::optional<std::int64_t> newest_us() = 0;
  virtual std::int64_t used_bytes() = 0;
  // After deletions, and on shutdown.
  virtual void reclaim_free_pages() = 0;
  virtual void checkpoint() = 0;

  // A reader for a query thread; nullptr with `error` set.
  virtual std::unique_ptr<StoreReader> open_reader(std::string& error) = 0;
};

}  // namespace clt::collector
