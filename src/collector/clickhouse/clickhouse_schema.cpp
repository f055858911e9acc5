#include "collector/clickhouse/clickhouse_schema.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace clt::collector::clickhouse {

namespace {

// The day a microsecond (or nanosecond) column falls in: the partition key,
// so that retention drops whole partitions. toYYYYMMDD and intDiv run on
// every ClickHouse since 18.x.
std::string day_of_us(const char* column) {
  return std::string("toYYYYMMDD(toDateTime(intDiv(") + column + ", 1000000)))";
}
std::string day_of_ns(const char* column) {
  return std::string("toYYYYMMDD(toDateTime(intDiv(") + column + ", 1000000000)))";
}

// One statement of a version. One that adds a column names the table and
// the column, and is skipped where the table has it already: 18.16 has no
// ADD COLUMN IF NOT EXISTS, and another collector may have run it first.
struct SchemaStep {
  // Implicit: a version lists its plain statements as strings.
  SchemaStep(std::string statement) : ddl(std::move(statement)) {}
  SchemaStep(std::string statement, std::string on, std::string adds)
      : ddl(std::move(statement)), table(std::move(on)), column(std::move(adds)) {}
  std::string ddl;
  std::string table;   // DB.TABLE, with column
  std::string column;  // the column it adds; empty: none
};

std::vector<SchemaStep> version_1(const Tables& t) {
  return {
      // Trace by id: one span per (trace_id, span_id), the newest write
      // winning (a retry or an update sends a span again). Granules of 1024
      // rows in this table and in network: a trace is read in a granule per
      // shard of it, and with 8192 rows a granule of the large otlp and
      // summary columns costs more than everything else of the read (tables
      // created with 8192 before keep it: a table's granularity is set
      // when it is created).
      "CREATE TABLE IF NOT EXISTS " + t.spans +
          " (trace_id FixedString(16), span_id FixedString(8), parent_id FixedString(8), "
          "service String, operation String, start_ns Int64, duration_ns Int64, otlp String, "
          "written_us Int64) ENGINE = ReplacingMergeTree(written_us) PARTITION BY " +
          day_of_ns("start_ns") + " ORDER BY (trace_id, span_id) SETTINGS index_granularity = 1024",
      // Search: by service and time, tags as parallel arrays.
      "CREATE TABLE IF NOT EXISTS " + t.span_index +
          " (service String, operation String, start_ns Int64, duration_ns Int64, "
          "trace_id FixedString(16), span_id FixedString(8), tag_keys Array(String), "
          "tag_values Array(String)) ENGINE = MergeTree PARTITION BY " +
          day_of_ns("start_ns") + " ORDER BY (service, start_ns) SETTINGS index_granularity = 8192",
      // Network summaries, rewritten as late packets arrive: the newest
      // updated_us wins. Partitioned by when they were written (the IOAM
      // timestamps come from the nodes' clocks).
      "CREATE TABLE IF NOT EXISTS " + t.network +
          " (trace_id FixedString(16), span_id FixedString(8), start_us Int64, duration_us Int64, "
          "packets UInt32, summary String, updated_us Int64) ENGINE = "
          "ReplacingMergeTree(updated_us) PARTITION BY " +
          day_of_us("updated_us") +
          " ORDER BY (trace_id, span_id) SETTINGS index_granularity = 1024",
      "CREATE TABLE IF NOT EXISTS " + t.ioam_records +
          " (trace_id FixedString(16), span_id FixedString(8), ids_lost UInt8, received_us Int64, "
          "count UInt32, data String) ENGINE = MergeTree PARTITION BY " +
          day_of_us("received_us") +
          " ORDER BY (trace_id, span_id, received_us) SETTINGS index_granularity = 8192",
      "CREATE TABLE IF NOT EXISTS " + t.operations +
          " (service String, operation String) ENGINE = ReplacingMergeTree ORDER BY (service, "
          "operation) SETTINGS index_granularity = 8192",
  };
}

std::vector<SchemaStep> version_2(const Tables& t) {
  return {
      // The merged aggregate per span (a serialized clt.v1.SpanSummary),
      // rewritten as more summaries of the span arrive: the newest
      // updated_us wins, as in network.
      "CREATE TABLE IF NOT EXISTS " + t.span_aggregates +
          " (trace_id FixedString(16), span_id FixedString(8), data String, updated_us Int64) "
          "ENGINE = ReplacingMergeTree(updated_us) PARTITION BY " +
          day_of_us("updated_us") +
          " ORDER BY (trace_id, span_id) SETTINGS index_granularity = 8192",
  };
}

std::vector<SchemaStep> version_3(const Tables& t) {
  return {
      // The summaries of network again, ordered by their start: a scan by
      // time (the path overview) is a range of the primary key, where
      // network, ordered by trace id, would be read whole. Small granules:
      // a page of a scan reads little more than its own rows.
      "CREATE TABLE IF NOT EXISTS " + t.network_by_time +
          " (trace_id FixedString(16), span_id FixedString(8), start_us Int64, duration_us Int64, "
          "packets UInt32, summary String, updated_us Int64) ENGINE = "
          "ReplacingMergeTree(updated_us) PARTITION BY " +
          day_of_us("updated_us") +
          " ORDER BY (start_us, trace_id, span_id) SETTINGS index_granularity = 1024",
      // The summaries stored before this version; none twice when another
      // collector runs this step too, or ran it first.
      "INSERT INTO " + t.network_by_time +
          " (trace_id, span_id, start_us, duration_us, packets, summary, updated_us)"
          " SELECT trace_id, span_id, start_us, duration_us, packets, summary, updated_us FROM " +
          t.network + " WHERE (trace_id, span_id, updated_us) NOT IN (SELECT trace_id, span_id, " +
          "updated_us FROM " + t.network_by_time + ")",
  };
}

// A span's request and response apart: direction 0 request, 1 response (what
// was stored before is a request: a UInt8 column added reads 0). The
// replacing tables keep one row per sorting key, so the direction has to be
// part of it; a sorting key can take a column only in the ALTER that adds it
// (and one without a DEFAULT expression), which 18.16 cannot make
// conditional: each runs only where the column is missing.
std::vector<SchemaStep> version_4(const Tables& t) {
  std::vector<SchemaStep> steps;
  for (const std::string* table :
       {&t.network, &t.network_by_time, &t.span_aggregates, &t.ioam_records}) {
    const bool records = table == &t.ioam_records;
    // The records table keeps every row (MergeTree): the direction only
    // follows its key, which cannot change before its end.
    steps.emplace_back("ALTER TABLE " + *table + " ADD COLUMN direction UInt8, MODIFY ORDER BY (" +
                           (table == &t.network_by_time ? "start_us, " : "") + "trace_id, span_id" +
                           (records ? ", received_us, direction)" : ", direction)"),
                       *table, "direction");
  }
  return steps;
}

// The steps of each version, in order: version_steps()[v - 1] brings a
// database from version v - 1 to v.
std::vector<std::vector<SchemaStep>> version_steps(const Tables& t) {
  return {version_1(t), version_2(t), version_3(t), version_4(t)};
}

// Whether the step is already done: it adds a column the table has.
bool already_done(Http& http, const SchemaStep& step, bool& done, std::string& error) {
  done = false;
  if (step.column.empty()) return true;
  const auto dot = step.table.find('.');
  std::string answer;
  if (!http.select("SELECT count() FROM system.columns WHERE database = '" +
                       step.table.substr(0, dot) + "' AND table = '" + step.table.substr(dot + 1) +
                       "' AND name = '" + step.column + "' FORMAT TabSeparated",
                   answer)) {
    error = http.error();
    return false;
  }
  done = std::atoi(answer.c_str()) > 0;
  return true;
}

bool stored_version(Http& http, const Tables& t, int& version, std::string& error) {
  std::string answer;
  if (!http.select("SELECT max(version) FROM " + t.schema_version + " FORMAT TabSeparated",
                   answer)) {
    error = http.error();
    return false;
  }
  version = std::atoi(answer.c_str());
  return true;
}

}  // namespace

Tables::Tables(const std::string& db)
    : spans(db + ".spans"),
      span_index(db + ".span_index"),
      network(db + ".network"),
      network_by_time(db + ".network_by_time"),
      ioam_records(db + ".ioam_records"),
      operations(db + ".operations"),
      span_aggregates(db + ".span_aggregates"),
      schema_version(db + ".schema_version") {}

bool prepare_schema(Http& http, const Tables& t, std::string& error) {
  const std::string& db = http.endpoint().database;
  if (!http.execute("CREATE DATABASE IF NOT EXISTS " + db) ||
      !http.execute("CREATE TABLE IF NOT EXISTS " + t.schema_version +
                    " (version UInt32, applied_us Int64) ENGINE = MergeTree ORDER BY version "
                    "SETTINGS index_granularity = 8192")) {
    error = "cannot create the database " + db + ": " + http.error();
    return false;
  }
  int version = 0;
  if (!stored_version(http, t, version, error)) return false;
  if (version == kSchemaVersion) return true;
  if (version > kSchemaVersion) {
    error = "the ClickHouse database " + db + " has schema version " + std::to_string(version) +
            ", newer than this collector's " + std::to_string(kSchemaVersion) +
            "; use a newer collector or another database";
    return false;
  }
  // Every step is idempotent (IF NOT EXISTS, a copy of what is not copied
  // yet, an added column skipped where it is there): collectors starting
  // together on a database may both run it.
  const auto steps = version_steps(t);
  for (int v = version + 1; v <= kSchemaVersion; ++v) {
    for (const SchemaStep& step : steps[static_cast<std::size_t>(v - 1)]) {
      bool done = false;
      if (!already_done(http, step, done, error)) {
        error = "cannot create the schema (version " + std::to_string(v) + ") in " + db +
                ": cannot read the columns of " + step.table + ": " + error;
        return false;
      }
      if (done) continue;
      if (!http.execute(step.ddl)) {
        error = "cannot create the schema (version " + std::to_string(v) + ") in " + db + ": " +
                http.error();
        return false;
      }
    }
  }
  const std::string record = "INSERT INTO " + t.schema_version + " (version, applied_us) SELECT " +
                             std::to_string(kSchemaVersion) + ", toInt64(now()) * 1000000";
  if (!http.execute(record)) {
    error = "cannot record the schema version in " + db + ": " + http.error();
    return false;
  }
  return true;
}

}  // namespace clt::collector::clickhouse
