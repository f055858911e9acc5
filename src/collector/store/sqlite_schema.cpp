#include "collector/store/sqlite_schema.h"

#include <cstring>

#include "collector/model/otlp_export.h"
#include "collector/store/sqlite_span_writer.h"

namespace clt::collector {

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE spans(
  id INTEGER PRIMARY KEY, trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_id BLOB,
  service TEXT NOT NULL, operation TEXT NOT NULL,
  start_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, otlp BLOB NOT NULL);
CREATE UNIQUE INDEX spans_id ON spans(trace_id, span_id);
CREATE INDEX spans_service_start ON spans(service, start_ns);
CREATE INDEX spans_start ON spans(start_ns);
CREATE TABLE span_tags(span_row INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(key, value, span_row)) WITHOUT ROWID;
CREATE INDEX span_tags_row ON span_tags(span_row);
CREATE TABLE IF NOT EXISTS operations(service TEXT NOT NULL, operation TEXT NOT NULL,
  PRIMARY KEY(service, operation)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS network(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, start_us INTEGER NOT NULL,
  duration_us INTEGER NOT NULL, packets INTEGER NOT NULL, summary TEXT NOT NULL,
  updated_us INTEGER NOT NULL, direction INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(trace_id, span_id, direction));
CREATE INDEX IF NOT EXISTS network_start ON network(start_us);
CREATE TABLE IF NOT EXISTS ioam_records(
  id INTEGER PRIMARY KEY, trace_id BLOB NOT NULL, span_id BLOB NOT NULL,
  ids_lost INTEGER NOT NULL, received_us INTEGER NOT NULL, count INTEGER NOT NULL,
  data BLOB NOT NULL, direction INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS ioam_records_key ON ioam_records(trace_id, span_id, direction);
)sql";

bool has_table(SqliteDb& db, const char* name) {
  Statement s(db.handle(), "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
  return s.valid() && s.bind(1, std::string_view(name)).step() == SQLITE_ROW;
}

template <std::size_t N>
void copy_blob(std::span<const std::uint8_t> b, std::array<std::uint8_t, N>& out) {
  out = {};
  if (b.size() == N) std::memcpy(out.data(), b.data(), N);
}

// Version 1 -> 2: each span's Jaeger form back to OTLP (what it kept of it).
bool migrate_from_1(SqliteDb& db, std::string& error) {
  const char* steps =
      "DROP INDEX IF EXISTS spans_id; DROP INDEX IF EXISTS spans_service_start; "
      "DROP INDEX IF EXISTS spans_start; ALTER TABLE spans RENAME TO spans_v1;";
  if (!db.exec(steps, error) || !db.exec(kTables, error)) return false;
  Statement old(db.handle(),
                "SELECT trace_id, span_id, parent_id, service, operation, start_us, duration_us, "
                "tags, process_tags, logs, refs FROM spans_v1");
  SqliteSpanWriter writer;
  if (!old.valid() || !writer.prepare(db)) {
    error = db.last_error();
    return false;
  }
  JaegerSpan row;
  StoredSpan span;
  while (old.step() == SQLITE_ROW) {
    copy_blob(old.column_blob(0), row.trace_id);
    copy_blob(old.column_blob(1), row.span_id);
    copy_blob(old.column_blob(2), row.parent_id);
    row.service = old.column_text(3);
    row.operation = old.column_text(4);
    row.start_us = old.column_int(5);
    row.duration_us = old.column_int(6);
    row.tags_json = old.column_text(7);
    row.process_tags_json = old.column_text(8);
    row.logs_json = old.column_text(9);
    row.refs_json = old.column_text(10);
    jaeger_to_stored(row, span);
    if (!writer.upsert(span)) {
      error = "cannot copy a span: " + db.last_error();
      return false;
    }
  }
  old.reset();
  return db.exec("DROP TABLE spans_v1", error);
}

// Added within schema version 2 (a collector that does not know it leaves
// it alone): the merged aggregate of each span that agents summarized.
constexpr const char* kAggregates = R"sql(
CREATE TABLE IF NOT EXISTS span_aggregates(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, updated_us INTEGER NOT NULL,
  data BLOB NOT NULL, direction INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(trace_id, span_id, direction));
)sql";

// Version 2 -> 3: a span's request and response are stored apart (direction
// 0 request, 1 response; what was stored before is a request). A primary key
// cannot be altered: network and span_aggregates are copied into tables with
// the new one, in rowid order, which retention relies on.
constexpr const char* kDirections = R"sql(
DROP INDEX IF EXISTS network_start;
ALTER TABLE network RENAME TO network_v2;
CREATE TABLE network(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, start_us INTEGER NOT NULL,
  duration_us INTEGER NOT NULL, packets INTEGER NOT NULL, summary TEXT NOT NULL,
  updated_us INTEGER NOT NULL, direction INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(trace_id, span_id, direction));
CREATE INDEX network_start ON network(start_us);
INSERT INTO network(trace_id, span_id, start_us, duration_us, packets, summary, updated_us)
  SELECT trace_id, span_id, start_us, duration_us, packets, summary, updated_us
  FROM network_v2 ORDER BY rowid;
DROP TABLE network_v2;
ALTER TABLE ioam_records ADD COLUMN direction INTEGER NOT NULL DEFAULT 0;
DROP INDEX IF EXISTS ioam_records_key;
CREATE INDEX ioam_records_key ON ioam_records(trace_id, span_id, direction);
)sql";

constexpr const char* kAggregateDirections = R"sql(
ALTER TABLE span_aggregates RENAME TO span_aggregates_v2;
CREATE TABLE span_aggregates(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, updated_us INTEGER NOT NULL,
  data BLOB NOT NULL, direction INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(trace_id, span_id, direction));
INSERT INTO span_aggregates(trace_id, span_id, updated_us, data)
  SELECT trace_id, span_id, updated_us, data FROM span_aggregates_v2 ORDER BY rowid;
DROP TABLE span_aggregates_v2;
)sql";

bool migrate_from_2(SqliteDb& db, std::string& error) {
  if (!db.exec(kDirections, error)) return false;
  return !has_table(db, "span_aggregates") || db.exec(kAggregateDirections, error);
}

bool set_version(SqliteDb& db, std::string& error) {
  return db.exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str(), error);
}

}  // namespace

int schema_version(SqliteDb& db) {
  Statement s(db.handle(), "PRAGMA user_version");
  const int v = s.valid() && s.step() == SQLITE_ROW ? static_cast<int>(s.column_int(0)) : 0;
  if (v == 0 && has_table(db, "spans")) return 1;
  return v;
}

bool prepare_schema(SqliteDb& db, std::string& error) {
  const int version = schema_version(db);
  if (version == kSchemaVersion) return db.exec(kAggregates, error);
  if (version > kSchemaVersion) {
    error = "the database has schema version " + std::to_string(version) +
            ", newer than this collector's " + std::to_string(kSchemaVersion) +
            "; use a newer collector or another --db";
    return false;
  }
  if (!db.exec("BEGIN IMMEDIATE", error)) return false;
  const bool ok =
      (version == 0 ? db.exec(kTables, error)
                    : (version > 1 || migrate_from_1(db, error)) && migrate_from_2(db, error)) &&
      set_version(db, error);
  std::string ignored;
  if (!ok) {
    db.exec("ROLLBACK", ignored);
    error =
        (version == 0 ? "cannot create the schema: "
                      : "cannot migrate from schema version " + std::to_string(version) + ": ") +
        error;
    return false;
  }
  return db.exec("COMMIT", error) && db.exec(kAggregates, error);
}

}  // namespace clt::collector
