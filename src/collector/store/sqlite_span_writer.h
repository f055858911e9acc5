#pragma once

#include "collector/model/stored_span.h"
#include "collector/store/sqlite_db.h"

namespace clt::collector {

// Writes stored spans and their search tags into the spans and span_tags
// tables (schema version 2); a span of the same ids is replaced.
class SqliteSpanWriter {
 public:
  bool prepare(SqliteDb& db);
  bool upsert(const StoredSpan& span);

 private:
  void bind_columns(Statement& s, const StoredSpan& span);

  sqlite3* db_ = nullptr;
  Statement insert_, update_, delete_tags_, insert_tag_;
};

}  // namespace clt::collector
