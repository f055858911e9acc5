#pragma once

#include <string>

#include "collector/clickhouse/clickhouse_http.h"

namespace clt::collector::clickhouse {

// Version 1: spans, span_index, network, ioam_records, operations and
// schema_version. A later version adds its tables (a per-span summary table,
// for one) with CREATE TABLE IF NOT EXISTS in its step of migrate().
inline constexpr int kSchemaVersion = 1;

// The table names of the store's data, as `db.table`.
struct Tables {
  explicit Tables(const std::string& database);
  std::string spans, span_index, network, ioam_records, operations, schema_version;
};

// Creates the database and tables when missing, or checks and migrates a
// store written by another collector; false with `error` saying what to do.
bool prepare_schema(Http& http, const Tables& tables, std::string& error);

}  // namespace clt::collector::clickhouse
