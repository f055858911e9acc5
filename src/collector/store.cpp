#include "collector/store.h"

#include <cstring>

#include "collector/network_spans.h"
#include "ioam_api.pb.h"

namespace clt::collector {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS spans(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_id BLOB,
  service TEXT NOT NULL, operation TEXT NOT NULL,
  start_us INTEGER NOT NULL, duration_us INTEGER NOT NULL,
  tags TEXT NOT NULL, process_tags TEXT NOT NULL, logs TEXT NOT NULL, refs TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS spans_id ON spans(trace_id, span_id);
CREATE INDEX IF NOT EXISTS spans_service_start ON spans(service, start_us);
CREATE INDEX IF NOT EXISTS spans_start ON spans(start_us);
CREATE TABLE IF NOT EXISTS operations(service TEXT NOT NULL, operation TEXT NOT NULL,
  PRIMARY KEY(service, operation)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS network(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, start_us INTEGER NOT NULL,
  duration_us INTEGER NOT NULL, packets INTEGER NOT NULL, summary TEXT NOT NULL,
  updated_us INTEGER NOT NULL, PRIMARY KEY(trace_id, span_id));
CREATE INDEX IF NOT EXISTS network_start ON network(start_us);
CREATE TABLE IF NOT EXISTS ioam_records(
  id INTEGER PRIMARY KEY, trace_id BLOB NOT NULL, span_id BLOB NOT NULL,
  ids_lost INTEGER NOT NULL, received_us INTEGER NOT NULL, count INTEGER NOT NULL,
  data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS ioam_records_key ON ioam_records(trace_id, span_id);
)sql";

std::span<const std::uint8_t> bytes_of(const core::TraceId& id) {
  return {id.data(), id.size()};
}
std::span<const std::uint8_t> bytes_of(const core::SpanId& id) {
  return {id.data(), id.size()};
}

template <std::size_t N>
void copy_blob(std::span<const std::uint8_t> b, std::array<std::uint8_t, N>& out) {
  out = {};
  if (b.size() == N) std::memcpy(out.data(), b.data(), N);
}

void read_span_row(Statement& s, SpanRow& r) {
  copy_blob(s.column_blob(0), r.trace_id);
  copy_blob(s.column_blob(1), r.span_id);
  copy_blob(s.column_blob(2), r.parent_id);
  r.service = s.column_text(3);
  r.operation = s.column_text(4);
  r.start_us = s.column_int(5);
  r.duration_us = s.column_int(6);
  r.tags_json = s.column_text(7);
  r.process_tags_json = s.column_text(8);
  r.logs_json = s.column_text(9);
  r.refs_json = s.column_text(10);
}

constexpr const char* kSpanColumns =
    "trace_id, span_id, parent_id, service, operation, start_us, duration_us, tags, "
    "process_tags, logs, refs";

}  // namespace

void append_raw_record(std::string& blob, std::int64_t received_us, std::string_view report) {
  char head[12];
  std::memcpy(head, &received_us, 8);
  const auto len = static_cast<std::uint32_t>(report.size());
  std::memcpy(head + 8, &len, 4);
  blob.append(head, sizeof head);
  blob.append(report);
}

bool for_each_raw_record(std::span<const std::uint8_t> blob,
                         const std::function<void(std::int64_t, std::string_view)>& visit) {
  std::size_t at = 0;
  while (at < blob.size()) {
    if (blob.size() - at < 12) return false;
    std::int64_t received = 0;
    std::uint32_t len = 0;
    std::memcpy(&received, blob.data() + at, 8);
    std::memcpy(&len, blob.data() + at + 8, 4);
    at += 12;
    if (blob.size() - at < len) return false;
    visit(received, std::string_view(reinterpret_cast<const char*>(blob.data() + at), len));
    at += len;
  }
  return true;
}

bool StoreWriter::open(const StoreOptions& options, std::string& error) {
  if (!db_.open(options.path, false, error)) return false;
  // auto_vacuum only takes effect before the first table exists.
  if (!db_.exec("PRAGMA auto_vacuum=INCREMENTAL", error)) return false;
  if (!db_.exec("PRAGMA journal_mode=WAL", error)) return false;
  if (!db_.exec(options.sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", error))
    return false;
  if (!db_.exec("PRAGMA cache_size=-65536", error)) return false;
  if (!db_.exec(kSchema, error)) {
    error = "cannot create the schema in " + options.path + ": " + error;
    return false;
  }
  sqlite3* h = db_.handle();
  begin_ = Statement(h, "BEGIN");
  commit_ = Statement(h, "COMMIT");
  rollback_ = Statement(h, "ROLLBACK");
  insert_records_ = Statement(h,
                              "INSERT INTO ioam_records(trace_id, span_id, ids_lost, received_us, "
                              "count, data) VALUES(?,?,?,?,?,?)");
  upsert_span_ = Statement(h, (std::string("INSERT OR REPLACE INTO spans(") + kSpanColumns +
                               ") VALUES(?,?,?,?,?,?,?,?,?,?,?)")
                                  .c_str());
  upsert_network_ = Statement(h,
                              "INSERT OR REPLACE INTO network(trace_id, span_id, start_us, "
                              "duration_us, packets, summary, updated_us) VALUES(?,?,?,?,?,?,?)");
  add_operation_ = Statement(h, "INSERT OR IGNORE INTO operations(service, operation) VALUES(?,?)");
  network_packets_ = Statement(h, "SELECT packets FROM network WHERE trace_id=? AND span_id=?");
  load_records_ = Statement(
      h, "SELECT ids_lost, data FROM ioam_records WHERE trace_id=? AND span_id=? ORDER BY id");
  if (!begin_.valid() || !commit_.valid() || !insert_records_.valid() || !upsert_span_.valid() ||
      !upsert_network_.valid() || !add_operation_.valid() || !network_packets_.valid() ||
      !load_records_.valid()) {
    error = "cannot prepare statements on " + options.path + ": " + db_.last_error();
    return false;
  }
  return true;
}

bool StoreWriter::begin() {
  return begin_.run();
}
bool StoreWriter::commit() {
  return commit_.run();
}
void StoreWriter::rollback() {
  rollback_.run();
}

bool StoreWriter::insert_records(const JoinKey& key, bool ids_lost, std::int64_t received_us,
                                 std::uint32_t count, std::string_view blob) {
  return insert_records_.bind_blob(1, bytes_of(key.trace_id))
      .bind_blob(2, bytes_of(key.span_id))
      .bind(3, std::int64_t{ids_lost})
      .bind(4, received_us)
      .bind(5, std::int64_t{count})
      .bind_blob(6, {reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()})
      .run();
}

bool StoreWriter::upsert_span(const SpanRow& r) {
  upsert_span_.bind_blob(1, bytes_of(r.trace_id)).bind_blob(2, bytes_of(r.span_id));
  if (core::is_zero(r.parent_id))
    upsert_span_.bind_null(3);
  else
    upsert_span_.bind_blob(3, bytes_of(r.parent_id));
  return upsert_span_.bind(4, r.service)
      .bind(5, r.operation)
      .bind(6, r.start_us)
      .bind(7, r.duration_us)
      .bind(8, r.tags_json)
      .bind(9, r.process_tags_json)
      .bind(10, r.logs_json)
      .bind(11, r.refs_json)
      .run();
}

bool StoreWriter::upsert_network(const NetworkSummary& s, const std::string& summary_json,
                                 std::int64_t updated_us) {
  return upsert_network_.bind_blob(1, bytes_of(s.key.trace_id))
      .bind_blob(2, bytes_of(s.key.span_id))
      .bind(3, s.start_us)
      .bind(4, s.duration_us)
      .bind(5, std::int64_t{s.packets})
      .bind(6, summary_json)
      .bind(7, updated_us)
      .run();
}

bool StoreWriter::add_operation(const std::string& service, const std::string& operation) {
  return add_operation_.bind(1, service).bind(2, operation).run();
}

std::optional<std::uint32_t> StoreWriter::network_packets(const JoinKey& key) {
  network_packets_.bind_blob(1, bytes_of(key.trace_id)).bind_blob(2, bytes_of(key.span_id));
  std::optional<std::uint32_t> out;
  if (network_packets_.step() == SQLITE_ROW)
    out = static_cast<std::uint32_t>(network_packets_.column_int(0));
  network_packets_.reset();
  return out;
}

bool StoreWriter::load_records(const JoinKey& key, std::vector<PacketMeta>& metas,
                               std::vector<HopSample>& hops, bool& ids_lost) {
  metas.clear();
  hops.clear();
  ids_lost = false;
  load_records_.bind_blob(1, bytes_of(key.trace_id)).bind_blob(2, bytes_of(key.span_id));
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

std::vector<JoinKey> StoreWriter::keys_needing_summary(std::int64_t since_us) {
  Statement s(db_.handle(),
              "SELECT r.trace_id, r.span_id FROM ioam_records r WHERE r.received_us >= ? "
              "GROUP BY r.trace_id, r.span_id HAVING sum(r.count) != coalesce((SELECT n.packets "
              "FROM network n WHERE n.trace_id = r.trace_id AND n.span_id = r.span_id), -1)");
  std::vector<JoinKey> keys;
  if (!s.valid()) return keys;
  s.bind(1, since_us);
  while (s.step() == SQLITE_ROW) {
    JoinKey k;
    copy_blob(s.column_blob(0), k.trace_id);
    copy_blob(s.column_blob(1), k.span_id);
    keys.push_back(k);
  }
  return keys;
}

std::vector<std::pair<std::string, std::string>> StoreWriter::operations() {
  std::vector<std::pair<std::string, std::string>> out;
  Statement s(db_.handle(), "SELECT service, operation FROM operations");
  while (s.valid() && s.step() == SQLITE_ROW)
    out.emplace_back(std::string(s.column_text(0)), std::string(s.column_text(1)));
  return out;
}

std::int64_t StoreWriter::delete_older_than(std::int64_t cutoff_us) {
  std::int64_t deleted = 0;
  // Records and summaries are appended in time order (a rewritten summary
  // gets a new rowid), so rowid order is write order: deleting up to the first
  // row young enough needs no index on the time column, which would cost on
  // every insert.
  const char* sqls[] = {
      "DELETE FROM spans WHERE start_us < ?",
      "DELETE FROM network WHERE rowid < coalesce((SELECT rowid FROM network WHERE "
      "updated_us >= ?1 ORDER BY rowid LIMIT 1), (SELECT max(rowid) + 1 FROM network))",
      "DELETE FROM ioam_records WHERE id < coalesce((SELECT id FROM ioam_records WHERE "
      "received_us >= ?1 ORDER BY id LIMIT 1), (SELECT max(id) + 1 FROM ioam_records))"};
  for (const char* sql : sqls) {
    Statement s(db_.handle(), sql);
    if (!s.valid()) continue;
    s.bind(1, cutoff_us);
    if (s.run()) deleted += sqlite3_changes(db_.handle());
  }
  return deleted;
}

std::optional<std::int64_t> StoreWriter::oldest_us() {
  std::optional<std::int64_t> out;
  Statement t(
      db_.handle(),
      "SELECT min(t) FROM (SELECT min(start_us) AS t FROM spans UNION ALL "
      "SELECT min(received_us) FROM ioam_records UNION ALL SELECT min(updated_us) FROM network)");
  if (t.valid() && t.step() == SQLITE_ROW && !t.column_text(0).empty()) out = t.column_int(0);
  return out;
}

std::optional<std::int64_t> StoreWriter::newest_us() {
  std::optional<std::int64_t> out;
  Statement t(
      db_.handle(),
      "SELECT max(t) FROM (SELECT max(start_us) AS t FROM spans UNION ALL "
      "SELECT max(received_us) FROM ioam_records UNION ALL SELECT max(updated_us) FROM network)");
  if (t.valid() && t.step() == SQLITE_ROW && !t.column_text(0).empty()) out = t.column_int(0);
  return out;
}

std::int64_t StoreWriter::used_bytes() {
  Statement pc(db_.handle(), "PRAGMA page_count");
  Statement fl(db_.handle(), "PRAGMA freelist_count");
  Statement ps(db_.handle(), "PRAGMA page_size");
  if (!pc.valid() || !fl.valid() || !ps.valid()) return 0;
  if (pc.step() != SQLITE_ROW || fl.step() != SQLITE_ROW || ps.step() != SQLITE_ROW) return 0;
  return (pc.column_int(0) - fl.column_int(0)) * ps.column_int(0);
}

void StoreWriter::reclaim_free_pages() {
  std::string error;
  db_.exec("PRAGMA incremental_vacuum", error);
}

void StoreWriter::checkpoint() {
  std::string error;
  db_.exec("PRAGMA wal_checkpoint(PASSIVE)", error);
}

bool StoreReader::open(const std::string& path, std::string& error) {
  if (!db_.open(path, true, error)) return false;
  sqlite3* h = db_.handle();
  services_ = Statement(h, "SELECT DISTINCT service FROM operations ORDER BY service");
  operations_ = Statement(h, "SELECT operation FROM operations WHERE service=? ORDER BY operation");
  trace_spans_ = Statement(
      h, (std::string("SELECT ") + kSpanColumns + " FROM spans WHERE trace_id=?").c_str());
  trace_networks_ = Statement(h, "SELECT summary FROM network WHERE trace_id=?");
  records_ =
      Statement(h, "SELECT data FROM ioam_records WHERE trace_id=? AND span_id=? ORDER BY id");
  if (!services_.valid() || !operations_.valid() || !trace_spans_.valid() ||
      !trace_networks_.valid() || !records_.valid()) {
    error = "cannot prepare queries on " + path + ": " + db_.last_error();
    return false;
  }
  return true;
}

bool StoreReader::services(std::vector<std::string>& out, std::size_t max_bytes) {
  std::size_t bytes = 0;
  bool within = true;
  while (within && services_.step() == SQLITE_ROW) {
    out.emplace_back(services_.column_text(0));
    bytes += out.back().size() + 8;
    within = bytes <= max_bytes;
  }
  services_.reset();
  return within;
}

bool StoreReader::operations(const std::string& service, std::vector<std::string>& out,
                             std::size_t max_bytes) {
  std::size_t bytes = 0;
  bool within = true;
  operations_.bind(1, service);
  while (within && operations_.step() == SQLITE_ROW) {
    out.emplace_back(operations_.column_text(0));
    bytes += out.back().size() + 8;
    within = bytes <= max_bytes;
  }
  operations_.reset();
  return within;
}

bool StoreReader::trace_spans(const core::TraceId& id, std::vector<SpanRow>& out,
                              std::size_t max_bytes) {
  std::size_t bytes = 0;
  bool within = true;
  trace_spans_.bind_blob(1, bytes_of(id));
  while (within && trace_spans_.step() == SQLITE_ROW) {
    out.emplace_back();
    SpanRow& r = out.back();
    read_span_row(trace_spans_, r);
    bytes += sizeof(SpanRow) + r.service.size() + r.operation.size() + r.tags_json.size() +
             r.process_tags_json.size() + r.logs_json.size() + r.refs_json.size();
    within = bytes <= max_bytes;
  }
  trace_spans_.reset();
  return within;
}

void StoreReader::trace_networks(const core::TraceId& id, std::vector<NetworkSummary>& out) {
  trace_networks_.bind_blob(1, bytes_of(id));
  while (trace_networks_.step() == SQLITE_ROW) {
    NetworkSummary s;
    if (summary_from_json(std::string(trace_networks_.column_text(0)), s))
      out.push_back(std::move(s));
  }
  trace_networks_.reset();
}

void StoreReader::scan_spans(const std::string& service, const std::string& operation,
                             std::int64_t start_us, std::int64_t end_us,
                             const std::function<bool(const SpanRow&)>& visit) {
  std::string sql =
      std::string("SELECT ") + kSpanColumns + " FROM spans WHERE start_us >= ? AND start_us <= ?";
  if (!service.empty()) sql += " AND service = ?";
  if (!operation.empty()) sql += " AND operation = ?";
  sql += " ORDER BY start_us DESC";
  Statement s(db_.handle(), sql.c_str());
  if (!s.valid()) return;
  s.bind(1, start_us);
  s.bind(2, end_us);
  int i = 3;
  if (!service.empty()) s.bind(i++, service);
  if (!operation.empty()) s.bind(i, operation);
  SpanRow row;
  while (s.step() == SQLITE_ROW) {
    read_span_row(s, row);
    if (!visit(row)) break;
  }
}

void StoreReader::scan_networks(std::int64_t start_us, std::int64_t end_us,
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

void StoreReader::records(const JoinKey& key,
                          const std::function<void(std::int64_t, std::string_view)>& visit) {
  records_.bind_blob(1, bytes_of(key.trace_id)).bind_blob(2, bytes_of(key.span_id));
  while (records_.step() == SQLITE_ROW) for_each_raw_record(records_.column_blob(0), visit);
  records_.reset();
}

std::int64_t StoreReader::count_spans() {
  Statement s(db_.handle(), "SELECT count(*) FROM spans");
  return s.valid() && s.step() == SQLITE_ROW ? s.column_int(0) : 0;
}

}  // namespace clt::collector
