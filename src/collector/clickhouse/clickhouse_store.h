#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_set>

#include "collector/clickhouse/clickhouse_endpoint.h"
#include "collector/clickhouse/clickhouse_http.h"
#include "collector/clickhouse/clickhouse_schema.h"
#include "collector/store/store.h"

namespace clt::collector::clickhouse {

struct StoreOptions {
  Endpoint endpoint;
  std::chrono::milliseconds timeout{10'000};
};

// The Store in a ClickHouse database, over its HTTP interface. Several
// collectors may share one database: every read goes to ClickHouse, so any
// collector answers for what any other stored. A write is one RowBinary
// INSERT per table; the reports' insert comes last, being the only one that
// is not idempotent (spans, summaries and operations are replaced by key),
// so a write that fails part way and is retried stores nothing twice.
// Retention drops whole days (partitions).
class ClickHouseStore final : public Store {
 public:
  // Connects and creates (or checks) the schema; false with `error` set.
  bool open(const StoreOptions& options, std::string& error);

  bool write(const StoreWrite& w) override;
  std::string last_error() const override { return error_; }
  bool last_failure_was_storage() const override { return failure_ == Failure::unavailable; }
  bool network_packets(std::span<const JoinKey> keys, KeyPackets& out) override;
  bool span_aggregates(std::span<const JoinKey> keys, KeyAggregates& out) override;
  bool load_records(const JoinKey& key, std::vector<PacketMeta>& metas,
                    std::vector<HopSample>& hops, bool& ids_lost) override;
  std::vector<JoinKey> keys_needing_summary(std::int64_t since_us) override;
  std::vector<JoinKey> keys_needing_network(std::int64_t since_us) override;
  std::vector<std::pair<std::string, std::string>> operations() override;
  std::int64_t delete_older_than(std::int64_t cutoff_us) override;
  std::optional<std::int64_t> oldest_us() override;
  std::optional<std::int64_t> newest_us() override;
  std::int64_t used_bytes() override;
  void reclaim_free_pages() override {}  // ClickHouse merges parts by itself
  void checkpoint() override {}          // an acknowledged INSERT is on disk
  std::unique_ptr<StoreReader> open_reader(std::string& error) override;

 private:
  bool insert(const std::string& sql, const std::string& rows);
  bool select(const std::string& sql, std::string& answer);
  std::optional<std::int64_t> single_value(const std::string& sql);

  StoreOptions options_;
  std::unique_ptr<Http> http_;
  std::unique_ptr<Tables> tables_;
  std::string spans_rows_, index_rows_, network_rows_, aggregate_rows_, records_rows_,
      operations_rows_;
  std::unordered_set<JoinKey, JoinKeyHash> written_keys_;
  Failure failure_ = Failure::none;
  std::string error_;
};

}  // namespace clt::collector::clickhouse
