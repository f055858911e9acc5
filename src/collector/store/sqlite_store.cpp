#include "collector/store/sqlite_store.h"

#include <cstring>
#include <set>

#include "collector/model/network_spans.h"
#include "collector/model/record_blob.h"
#include "collector/store/sqlite_schema.h"
#include "ioam_api.pb.h"

namespace clt::collector {

namespace {

template <std::size_t N>
std::span<const std::uint8_t> bytes_of(const std::array<std::uint8_t, N>& id) {
  return {id.data(), id.size()};
}

std::int64_t direction_column(core::Direction d) {
  return static_cast<std::int64_t>(d);
}

core::Direction direction_of(std::int64_t column) {
  return column == 1 ? core::Direction::kResponse : core::Direction::kRequest;
}

template <std::size_t N>
void copy_blob(std::span<const std::uint8_t> b, std::array<std::uint8_t, N>& out) {
  out = {};
  if (b.size() == N) std::memcpy(out.data(), b.data(), N);
}

// Microseconds (the query API's unit) -> the spans' nanoseconds, saturated.
std::int64_t us_to_ns(std::int64_t us) {
  if (us > INT64_MAX / 1000) return INT64_MAX;
  if (us < INT64_MIN / 1000) return INT64_MIN;
  return us * 1000;
}

constexpr const char* kSpanColumns =
    "trace_id, span_id, parent_id, service, operation, start_ns, duration_ns, otlp";

void read_span(Statement& s, StoredSpan& out) {
  copy_blob(s.column_blob(0), out.trace_id);
  copy_blob(s.column_blob(1), out.span_id);
  copy_blob(s.column_blob(2), out.parent_id);
  out.service = s.column_text(3);
  out.operation = s.column_text(4);
  out.start_ns = s.column_int(5);
  out.duration_ns = s.column_int(6);
  const auto blob = s.column_blob(7);
  out.otlp.assign(reinterpret_cast<const char*>(blob.data()), blob.size());
  out.search_tags.clear();
}

std::optional<std::int64_t> single_value(SqliteDb& db, const char* sql) {
  Statement t(db.handle(), sql);
  if (t.valid() && t.step() == SQLITE_ROW && !t.column_text(0).empty()) return t.column_int(0);
  return std::nullopt;
}

class SqliteStoreReader final : public StoreReader {
 public:
  bool open(const std::string& path, std::string& error);

  bool services(std::vector<std::string>& out, std::size_t max_bytes) override {
    return list(services_, out, max_bytes);
  }
  bool operations(const std::string& service, std::vector<std::string>& out,
                  std::size_t max_bytes) override {
    operations_.bind(1, service);
    return list(operations_, out, max_bytes);
  }
  bool trace_spans(const core::TraceId& id, std::vector<StoredSpan>& out,
                   std::size_t max_bytes) override;
  void trace_networks(const core::TraceId& id, std::vector<NetworkSummary>& out) override;
  void find_traces(const SpanSearch& search, std::vector<core::TraceId>& out) override;
  void scan_networks(std::int64_t start_us, std::int64_t end_us,
                     const std::function<bool(const NetworkSummary&)>& visit) override;
  void records(const JoinKey& key,
               const std::function<void(std::int64_t, std::string_view)>& visit) override;
  std::int64_t count_spans() override {
    return single_value(db_, "SELECT count(*) FROM spans").value_or(0);
  }

 private:
  std::size_t spans_with_tag(const std::string& key, const std::string& value, std::size_t at_most);
  static bool list(Statement& s, std::vector<std::string>& out, std::size_t max_bytes) {
    std::size_t bytes = 0;
    bool within = true;
    while (within && s.step() == SQLITE_ROW) {
      out.emplace_back(s.column_text(0));
      bytes += out.back().size() + 8;
      within = bytes <= max_bytes;
    }
    s.reset();
    return within;
  }

  SqliteDb db_;
  Statement services_, operations_, trace_spans_, trace_networks_, records_;
};

bool SqliteStoreReader::open(const std::string& path, std::string& error) {
  if (!db_.open(path, true, error)) return false;
  if (const int v = schema_version(db_); v != kSchemaVersion) {
    error = path + " has schema version " + std::to_string(v) + ", not " +
            std::to_string(kSchemaVersion) + " (the collector migrates it when it opens it)";
    return false;
  }
  sqlite3* h = db_.handle();
  services_ = Statement(h, "SELECT DISTINCT service FROM operations ORDER BY service");
  operations_ = Statement(h, "SELECT operation FROM operations WHERE service=? ORDER BY operation");
  trace_spans_ = Statement(
      h, (std::string("SELECT ") + kSpanColumns + " FROM spans WHERE trace_id=?").c_str());
  trace_networks_ = Statement(h, "SELECT summary FROM network WHERE trace_id=?");
  records_ =
      Statement(h,
                "SELECT data FROM ioam_records WHERE trace_id=? AND span_id=? AND direction=? "
                "ORDER BY id");
  if (!services_.valid() || !operations_.valid() || !trace_spans_.valid() ||
      !trace_networks_.valid() || !records_.valid()) {
    error = "cannot prepare queries on " + path + ": " + db_.last_error();
    return false;
  }
  return true;
}

bool SqliteStoreReader::trace_spans(const core::TraceId& id, std::vector<StoredSpan>& out,
                                    std::size_t max_bytes) {
  std::size_t bytes = 0;
  bool within = true;
  trace_spans_.bind_blob(1, bytes_of(id));
  while (within && trace_spans_.step() == SQLITE_ROW) {
    out.emplace_back();
    read_span(trace_spans_, out.back());
    bytes += out.back().answer_bytes();
    within = bytes <= max_bytes;
  }
  trace_spans_.reset();
  return within;
}

void SqliteStoreReader::trace_networks(const core::TraceId& id, std::vector<NetworkSummary>& out) {
  trace_networks_.bind_blob(1, bytes_of(id));
  while (trace_networks_.step() == SQLITE_ROW) {
    NetworkSummary s;
    if (summary_from_json(std::string(trace_networks_.column_text(0)), s))
      out.push_back(std::move(s));
  }
  trace_networks_.reset();
}

std::size_t SqliteStoreReader::spans_with_tag(const std::string& key, const std::string& value,
                                              std::size_t at_most) {
  Statement s(db_.handle(),
              "SELECT count(*) FROM (SELECT 1 FROM span_tags WHERE key = ? AND value = ? LIMIT ?)");
  if (!s.valid()) return at_most;
  s.bind(1, key).bind(2, value).bind(3, static_cast<std::int64_t>(at_most));
  return s.step() == SQLITE_ROW ? static_cast<std::size_t>(s.column_int(0)) : at_most;
}

void SqliteStoreReader::find_traces(const SpanSearch& q, std::vector<core::TraceId>& out) {
  // Each tag is a lookup in span_tags; no span is decoded. A tag few spans
  // carry drives the search (its spans, then sorted); otherwise the spans
  // are walked newest first and each checked, which stops at the limit.
  const std::pair<const std::string, std::string>* rarest = nullptr;
  std::size_t rarest_count = q.tag_drives_below;
  for (const auto& tag : q.tags) {
    const std::size_t n = spans_with_tag(tag.first, tag.second, q.tag_drives_below);
    if (n < rarest_count) {
      rarest = &tag;
      rarest_count = n;
    }
  }
  if (rarest && rarest_count == 0) return;
  // A unary + keeps SQLite from using an index for that term.
  const char* plus = rarest ? "+" : "";
  std::string sql = std::string("SELECT trace_id FROM spans WHERE ") + plus + "start_ns >= ? AND " +
                    plus + "start_ns <= ?";
  if (!q.service.empty()) sql += std::string(" AND ") + plus + "service = ?";
  if (!q.operation.empty()) sql += " AND operation = ?";
  if (q.min_duration_us) sql += " AND duration_ns >= ?";
  if (q.max_duration_us) sql += " AND duration_ns <= ?";
  if (rarest) sql += " AND id IN (SELECT span_row FROM span_tags WHERE key = ? AND value = ?)";
  for (std::size_t i = 0; i < q.tags.size(); ++i)
    sql +=
        " AND EXISTS (SELECT 1 FROM span_tags t WHERE t.key = ? AND t.value = ? AND t.span_row = "
        "spans.id)";
  sql += " ORDER BY start_ns DESC LIMIT ?";
  Statement s(db_.handle(), sql.c_str());
  if (!s.valid()) return;
  int i = 1;
  s.bind(i++, us_to_ns(q.start_us));
  s.bind(i++, us_to_ns(q.end_us));
  if (!q.service.empty()) s.bind(i++, q.service);
  if (!q.operation.empty()) s.bind(i++, q.operation);
  if (q.min_duration_us) s.bind(i++, us_to_ns(*q.min_duration_us));
  if (q.max_duration_us) s.bind(i++, us_to_ns(*q.max_duration_us));
  if (rarest) {
    s.bind(i++, rarest->first);
    s.bind(i++, rarest->second);
  }
  for (const auto& [k, v] : q.tags) {
    s.bind(i++, k);
    s.bind(i++, v);
  }
  s.bind(i, static_cast<std::int64_t>(q.max_scanned_spans));
  std::set<core::TraceId> seen;
  while (out.size() < q.limit && s.step() == SQLITE_ROW) {
    core::TraceId id;
    copy_blob(s.column_blob(0), id);
    if (seen.insert(id).second) out.push_back(id);
  }
}

void SqliteStoreReader::scan_networks(std::int64_t start_us, std::int64_t end_us,
                                      const std::function<bool(const NetworkSummary&)>& visit) {
  Statement s(
      db_.handle(),
      "SELECT summary FROM network WHERE start_us >= ? AND start_us <= ? ORDER BY start_us DESC");
  if (!s.valid()) return;
  s.bind(1, start_us).bind(2, end_us);
  NetworkSummary n;
  while (s.step() == SQLITE_ROW) {
    if (!summary_from_json(std::string(s.column_text(0)), n)) continue;
    if (!visit(n)) break;
  }
}

void SqliteStoreReader::records(const JoinKey& key,
                                const std::function<void(std::int64_t, std::string_view)>& visit) {
  records_.bind_blob(1, bytes_of(key.trace_id))
      .bind_blob(2, bytes_of(key.span_id))
      .bind(3, direction_column(key.direction));
  while (records_.step() == SQLITE_ROW) for_each_raw_record(records_.column_blob(0), visit);
  records_.reset();
}

}  // namespace

std::unique_ptr<StoreReader> open_sqlite_reader(const std::string& path, std::string& error) {
  auto r = std::make_unique<SqliteStoreReader>();
  if (!r->open(path, error)) return nullptr;
  return r;
}

bool SqliteStore::open(const StoreOptions& options, std::string& error) {
  path_ = options.path;
  if (!db_.open(options.path, false, error)) return false;
  // auto_vacuum only takes effect before the first table exists.
  if (!db_.exec("PRAGMA auto_vacuum=INCREMENTAL", error)) return false;
  if (!db_.exec("PRAGMA journal_mode=WAL", error)) return false;
  if (!db_.exec(options.sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", error))
    return false;
  if (!db_.exec("PRAGMA cache_size=-65536", error)) return false;
  // A checkpoint copies each page once however often it changed since the
  // last: a longer interval (40 MB of WAL instead of 4) copies the hot pages
  // (index roots, the tables' last leaves) fewer times per row.
  if (!db_.exec("PRAGMA wal_autocheckpoint=10000", error)) return false;
  if (!prepare_schema(db_, error)) {
    error = options.path + ": " + error;
    return false;
  }
  sqlite3* h = db_.handle();
  begin_ = Statement(h, "BEGIN");
  commit_ = Statement(h, "COMMIT");
  rollback_ = Statement(h, "ROLLBACK");
  insert_records_ = Statement(h,
                              "INSERT INTO ioam_records(trace_id, span_id, ids_lost, received_us, "
                              "count, data, direction) VALUES(?,?,?,?,?,?,?)");
  upsert_network_ = Statement(h,
                              "INSERT OR REPLACE INTO network(trace_id, span_id, start_us, "
                              "duration_us, packets, summary, updated_us, direction) "
                              "VALUES(?,?,?,?,?,?,?,?)");
  add_operation_ = Statement(h, "INSERT OR IGNORE INTO operations(service, operation) VALUES(?,?)");
  network_packets_ =
      Statement(h, "SELECT packets FROM network WHERE trace_id=? AND span_id=? AND direction=?");
  upsert_aggregate_ = Statement(h,
                                "INSERT OR REPLACE INTO span_aggregates(trace_id, span_id, "
                                "updated_us, data, direction) VALUES(?,?,?,?,?)");
  span_aggregate_ = Statement(
      h, "SELECT data FROM span_aggregates WHERE trace_id=? AND span_id=? AND direction=?");
  load_records_ = Statement(h,
                            "SELECT ids_lost, data FROM ioam_records WHERE trace_id=? AND "
                            "span_id=? AND direction=? ORDER BY id");
  if (!begin_.valid() || !commit_.valid() || !insert_records_.valid() || !spans_.prepare(db_) ||
      !upsert_network_.valid() || !add_operation_.valid() || !network_packets_.valid() ||
      !upsert_aggregate_.valid() || !span_aggregate_.valid() || !load_records_.valid()) {
    error = "cannot prepare statements on " + options.path + ": " + db_.last_error();
    return false;
  }
  return true;
}

bool SqliteStore::write_rows(const StoreWrite& w) {
  for (const RecordWrite& r : w.records) {
    const bool ok =
        insert_records_.bind_blob(1, bytes_of(r.key.trace_id))
            .bind_blob(2, bytes_of(r.key.span_id))
            .bind(3, std::int64_t{r.ids_lost})
            .bind(4, r.first_received_us)
            .bind(5, std::int64_t{r.count})
            .bind_blob(6, {reinterpret_cast<const std::uint8_t*>(r.blob.data()), r.blob.size()})
            .bind(7, direction_column(r.key.direction))
            .run();
    if (!ok) return false;
  }
  for (const StoredSpan& s : w.spans)
    if (!spans_.upsert(s)) return false;
  for (const SummaryWrite& n : w.summaries) {
    const bool ok = !n.network || upsert_network_.bind_blob(1, bytes_of(n.summary.key.trace_id))
                                      .bind_blob(2, bytes_of(n.summary.key.span_id))
                                      .bind(3, n.summary.start_us)
                                      .bind(4, n.summary.duration_us)
                                      .bind(5, std::int64_t{n.summary.packets})
                                      .bind(6, n.json)
                                      .bind(7, n.updated_us)
                                      .bind(8, direction_column(n.summary.key.direction))
                                      .run();
    if (!ok) return false;
    if (n.aggregate.empty()) continue;
    const bool stored =
        upsert_aggregate_.bind_blob(1, bytes_of(n.summary.key.trace_id))
            .bind_blob(2, bytes_of(n.summary.key.span_id))
            .bind(3, n.updated_us)
            .bind_blob(
                4, {reinterpret_cast<const std::uint8_t*>(n.aggregate.data()), n.aggregate.size()})
            .bind(5, direction_column(n.summary.key.direction))
            .run();
    if (!stored) return false;
  }
  for (const auto& [service, operation] : w.operations)
    if (!add_operation_.bind(1, service).bind(2, operation).run()) return false;
  return true;
}

bool SqliteStore::write(const StoreWrite& w) {
  if (w.empty()) return true;
  if (!begin_.run()) {
    note_failure();
    return false;
  }
  if (write_rows(w) && commit_.run()) return true;
  note_failure();
  rollback_.run();
  return false;
}

void SqliteStore::note_failure() {
  failure_code_ = sqlite3_extended_errcode(db_.handle());
  failure_message_ = db_.last_error();
}

std::string SqliteStore::last_error() const {
  return failure_message_.empty() ? db_.last_error() : failure_message_;
}

bool SqliteStore::last_failure_was_storage() const {
  const int primary = failure_code_ & 0xff;
  return primary == SQLITE_FULL || primary == SQLITE_IOERR;
}

bool SqliteStore::network_packets(std::span<const JoinKey> keys, KeyPackets& out) {
  out.clear();
  for (const JoinKey& key : keys) {
    network_packets_.bind_blob(1, bytes_of(key.trace_id))
        .bind_blob(2, bytes_of(key.span_id))
        .bind(3, direction_column(key.direction));
    const int rc = network_packets_.step();
    if (rc == SQLITE_ROW) out[key] = static_cast<std::uint32_t>(network_packets_.column_int(0));
    network_packets_.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      note_failure();
      return false;
    }
  }
  return true;
}

bool SqliteStore::load_records(const JoinKey& key, std::vector<PacketMeta>& metas,
                               std::vector<HopSample>& hops, bool& ids_lost) {
  metas.clear();
  hops.clear();
  ids_lost = false;
  load_records_.bind_blob(1, bytes_of(key.trace_id))
      .bind_blob(2, bytes_of(key.span_id))
      .bind(3, direction_column(key.direction));
  ioam_api::IOAMTrace report;
  std::string error;
  bool ok = true;
  while (load_records_.step() == SQLITE_ROW) {
    ids_lost = load_records_.column_int(0) != 0;
    ok &= for_each_raw_record(
        load_records_.column_blob(1), [&](std::int64_t received, std::string_view bytes) {
          if (!report.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
          JoinKey k;
          PacketMeta m;
          if (read_report(report, received, k, m, hops, error)) metas.push_back(m);
        });
  }
  load_records_.reset();
  return ok;
}

bool SqliteStore::span_aggregates(std::span<const JoinKey> keys, KeyAggregates& out) {
  out.clear();
  for (const JoinKey& key : keys) {
    span_aggregate_.bind_blob(1, bytes_of(key.trace_id))
        .bind_blob(2, bytes_of(key.span_id))
        .bind(3, direction_column(key.direction));
    const int rc = span_aggregate_.step();
    if (rc == SQLITE_ROW) {
      const auto b = span_aggregate_.column_blob(0);
      out[key].assign(reinterpret_cast<const char*>(b.data()), b.size());
    }
    span_aggregate_.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      note_failure();
      return false;
    }
  }
  return true;
}

namespace {

// The (trace_id, span_id, direction) rows of a query whose one parameter is
// a time in us.
std::vector<JoinKey> keys_since(Statement& s, std::int64_t since_us) {
  std::vector<JoinKey> keys;
  if (!s.valid()) return keys;
  s.bind(1, since_us);
  while (s.step() == SQLITE_ROW) {
    JoinKey k;
    copy_blob(s.column_blob(0), k.trace_id);
    copy_blob(s.column_blob(1), k.span_id);
    k.direction = direction_of(s.column_int(2));
    keys.push_back(k);
  }
  return keys;
}

}  // namespace

std::vector<JoinKey> SqliteStore::keys_needing_summary(std::int64_t since_us) {
  Statement s(db_.handle(),
              "SELECT r.trace_id, r.span_id, r.direction FROM ioam_records r WHERE "
              "r.received_us >= ? GROUP BY r.trace_id, r.span_id, r.direction HAVING "
              "sum(r.count) != coalesce((SELECT n.packets FROM network n WHERE n.trace_id = "
              "r.trace_id AND n.span_id = r.span_id AND n.direction = r.direction), -1) AND NOT "
              "EXISTS(SELECT 1 FROM span_aggregates a WHERE a.trace_id = r.trace_id AND "
              "a.span_id = r.span_id AND a.direction = r.direction)");
  return keys_since(s, since_us);
}

std::vector<JoinKey> SqliteStore::keys_needing_network(std::int64_t since_us) {
  Statement s(
      db_.handle(),
      "SELECT a.trace_id, a.span_id, a.direction FROM span_aggregates a LEFT JOIN network n "
      "ON n.trace_id = a.trace_id AND n.span_id = a.span_id AND n.direction = a.direction "
      "WHERE a.updated_us >= ? AND (n.updated_us IS NULL OR n.updated_us < a.updated_us)");
  return keys_since(s, since_us);
}

std::vector<std::pair<std::string, std::string>> SqliteStore::operations() {
  std::vector<std::pair<std::string, std::string>> out;
  Statement s(db_.handle(), "SELECT service, operation FROM operations");
  while (s.valid() && s.step() == SQLITE_ROW)
    out.emplace_back(std::string(s.column_text(0)), std::string(s.column_text(1)));
  return out;
}

std::int64_t SqliteStore::delete_older_than(std::int64_t cutoff_us) {
  std::int64_t deleted = 0;
  // Records and summaries are appended in time order (a rewritten summary
  // gets a new rowid), so rowid order is write order: deleting up to the first
  // row young enough needs no index on the time column, which would cost on
  // every insert.
  const char* sqls[] = {
      "DELETE FROM span_tags WHERE span_row IN (SELECT id FROM spans WHERE start_ns < ?2)",
      "DELETE FROM spans WHERE start_ns < ?2",
      "DELETE FROM network WHERE rowid < coalesce((SELECT rowid FROM network WHERE "
      "updated_us >= ?1 ORDER BY rowid LIMIT 1), (SELECT max(rowid) + 1 FROM network))",
      "DELETE FROM span_aggregates WHERE rowid < coalesce((SELECT rowid FROM span_aggregates "
      "WHERE updated_us >= ?1 ORDER BY rowid LIMIT 1), (SELECT max(rowid) + 1 FROM "
      "span_aggregates))",
      "DELETE FROM ioam_records WHERE id < coalesce((SELECT id FROM ioam_records WHERE "
      "received_us >= ?1 ORDER BY id LIMIT 1), (SELECT max(id) + 1 FROM ioam_records))"};
  for (const char* sql : sqls) {
    Statement s(db_.handle(), sql);
    if (!s.valid()) continue;
    s.bind(1, cutoff_us).bind(2, us_to_ns(cutoff_us));
    if (s.run() && std::strstr(sql, "span_tags") == nullptr)
      deleted += sqlite3_changes(db_.handle());
  }
  return deleted;
}

std::optional<std::int64_t> SqliteStore::oldest_us() {
  return single_value(
      db_,
      "SELECT min(t) FROM (SELECT min(start_ns) / 1000 AS t FROM spans UNION ALL "
      "SELECT min(received_us) FROM ioam_records UNION ALL SELECT min(updated_us) FROM network)");
}

std::optional<std::int64_t> SqliteStore::newest_us() {
  return single_value(
      db_,
      "SELECT max(t) FROM (SELECT max(start_ns) / 1000 AS t FROM spans UNION ALL "
      "SELECT max(received_us) FROM ioam_records UNION ALL SELECT max(updated_us) FROM network)");
}

std::int64_t SqliteStore::used_bytes() {
  const auto pages = single_value(db_, "PRAGMA page_count");
  const auto free = single_value(db_, "PRAGMA freelist_count");
  const auto size = single_value(db_, "PRAGMA page_size");
  if (!pages || !free || !size) return 0;
  return (*pages - *free) * *size;
}

void SqliteStore::reclaim_free_pages() {
  std::string error;
  db_.exec("PRAGMA incremental_vacuum", error);
}

void SqliteStore::checkpoint() {
  std::string error;
  db_.exec("PRAGMA wal_checkpoint(PASSIVE)", error);
}

std::unique_ptr<StoreReader> SqliteStore::open_reader(std::string& error) {
  return open_sqlite_reader(path_, error);
}

}  // namespace clt::collector
