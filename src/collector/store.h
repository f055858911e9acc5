#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "collector/ioam_record.h"
#include "collector/network_summary.h"
#include "collector/span_row.h"
#include "collector/sqlite_db.h"

namespace clt::collector {

struct StoreOptions {
  std::string path = "clt-collector.db";
  // FULL also survives power loss; NORMAL (WAL) survives the process being
  // killed, which is the durability rule of the collector.
  bool sync_full = false;
};

// Appends a report as stored in a record blob: [i64 received_us][u32 len][bytes].
void append_raw_record(std::string& blob, std::int64_t received_us, std::string_view report);

// The writing side: one connection, owned by the store writer thread.
class StoreWriter {
 public:
  bool open(const StoreOptions& options, std::string& error);

  bool begin();
  bool commit();
  void rollback();

  bool insert_records(const JoinKey& key, bool ids_lost, std::int64_t received_us,
                      std::uint32_t count, std::string_view blob);
  bool upsert_span(const SpanRow& row);
  // updated_us: when it was written (retention of summaries goes by it: the
  // IOAM timestamps come from the nodes' clocks).
  bool upsert_network(const NetworkSummary& summary, const std::string& summary_json,
                      std::int64_t updated_us);
  bool add_operation(const std::string& service, const std::string& operation);
  // Packets of the stored summary of key, if any.
  std::optional<std::uint32_t> network_packets(const JoinKey& key);
  // Every stored report of key, decoded again (for late packets and recovery).
  bool load_records(const JoinKey& key, std::vector<PacketMeta>& metas,
                    std::vector<HopSample>& hops, bool& ids_lost);
  // Keys with records received since `since_us` whose summary is missing or
  // counts a different number of packets (after a crash).
  std::vector<JoinKey> keys_needing_summary(std::int64_t since_us);
  std::vector<std::pair<std::string, std::string>> operations();

  // Retention: deletes what started before cutoff_us; returns rows deleted.
  std::int64_t delete_older_than(std::int64_t cutoff_us);
  // Oldest start time among stored rows (for size-based retention).
  std::optional<std::int64_t> oldest_us();
  std::optional<std::int64_t> newest_us();
  std::int64_t used_bytes();
  void reclaim_free_pages();
  void checkpoint();

  SqliteDb& db() { return db_; }

 private:
  SqliteDb db_;
  Statement begin_, commit_, rollback_;
  Statement insert_records_, upsert_span_, upsert_network_, add_operation_;
  Statement network_packets_, load_records_;
};

// The reading side: one per querying thread (WAL lets readers run alongside
// the writer).
class StoreReader {
 public:
  bool open(const std::string& path, std::string& error);

  // Each false when the names or rows would take more than max_bytes (what
  // was read so far is in `out`).
  bool services(std::vector<std::string>& out, std::size_t max_bytes = SIZE_MAX);
  bool operations(const std::string& service, std::vector<std::string>& out,
                  std::size_t max_bytes = SIZE_MAX);
  bool trace_spans(const core::TraceId& id, std::vector<SpanRow>& out,
                   std::size_t max_bytes = SIZE_MAX);
  void trace_networks(const core::TraceId& id, std::vector<NetworkSummary>& out);
  // Spans of `service` (all services when empty) in [start, end], newest first;
  // `visit` returns false to stop.
  void scan_spans(const std::string& service, const std::string& operation, std::int64_t start_us,
                  std::int64_t end_us, const std::function<bool(const SpanRow&)>& visit);
  void scan_networks(std::int64_t start_us, std::int64_t end_us,
                     const std::function<bool(const NetworkSummary&)>& visit);
  // The raw reports of key in arrival order: (received_us, protobuf bytes).
  void records(const JoinKey& key,
               const std::function<void(std::int64_t, std::string_view)>& visit);
  std::int64_t count_spans();

 private:
  SqliteDb db_;
  Statement services_, operations_, trace_spans_, trace_networks_, records_;
};

// Decodes a record blob; `visit(received_us, report bytes)`. False if corrupt.
bool for_each_raw_record(std::span<const std::uint8_t> blob,
                         const std::function<void(std::int64_t, std::string_view)>& visit);

}  // namespace clt::collector
