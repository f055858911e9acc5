#pragma once

#include <memory>
#include <string>

#include "collector/store/sqlite_db.h"
#include "collector/store/sqlite_span_writer.h"
#include "collector/store/store.h"

namespace clt::collector {

struct StoreOptions {
  std::string path = "clt-collector.db";
  // FULL also survives power loss; NORMAL (WAL) survives the process being
  // killed, which is the durability rule of the collector.
  bool sync_full = false;
};

// The Store in one SQLite file (WAL: readers run alongside the one writer).
// Spans are kept as their OTLP protobuf in the spans table, with the
// searched columns beside it and their tags in span_tags (key, value, span).
class SqliteStore final : public Store {
 public:
  // Opens (creating or migrating the schema); false with `error` set.
  bool open(const StoreOptions& options, std::string& error);

  bool write(const StoreWrite& w) override;
  std::string last_error() const override;
  bool last_failure_was_storage() const override;
  // An index lookup per key: in-process, as cheap as one batched query.
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
  void reclaim_free_pages() override;
  void checkpoint() override;
  std::unique_ptr<StoreReader> open_reader(std::string& error) override;

  SqliteDb& db() { return db_; }

 private:
  bool write_rows(const StoreWrite& w);
  // Keeps why a write failed: the rollback after it resets the connection's error.
  void note_failure();

  std::string path_;
  SqliteDb db_;
  SqliteSpanWriter spans_;
  Statement begin_, commit_, rollback_;
  Statement insert_records_, upsert_network_, add_operation_;
  Statement network_packets_, load_records_;
  Statement upsert_aggregate_, span_aggregate_;
  int failure_code_ = SQLITE_OK;
  std::string failure_message_;
};

// A reader of the SQLite store at `path`, opened read-only.
std::unique_ptr<StoreReader> open_sqlite_reader(const std::string& path, std::string& error);

}  // namespace clt::collector
