#pragma once

#include <string>

#include "collector/clickhouse/clickhouse_http.h"

namespace clt::collector::clickhouse {

// Version 1: spans, span_index, network, ioam_records, operations and
// schema_version. Version 2 adds span_aggregates (the merged summaries of
// spans that agents summarized). Version 3 adds network_by_time (the
// summaries again, ordered by start for the path overview's scans by time)
// and fills it from network. Each version's step creates its tables with
// CREATE TABLE IF NOT EXISTS, so a database is brought up from any older
// version by running the steps after it.
inline constexpr int kSchemaVersion = 4;

// The table names of the store's data, as `db.table`.
struct Tables {
  explicit Tables(const std::string& database);
  std::string spans, span_index, network, network_by_time, ioam_records, operations,
      span_aggregates, schema_version;
};

// Creates the database and tables when missing, or checks and migrates a
// store written by another collector; false with `error` saying what to do.
bool prepare_schema(Http& http, const Tables& tables, std::string& error);

}  // namespace clt::collector::clickhouse
