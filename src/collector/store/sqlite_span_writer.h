#pragma once

#include <array>

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
  bool insert_tags(std::int64_t row, const StoredSpan& span);

  // One statement per span's tags (of up to kTagsPerStatement rows): SQLite's
  // cost is mostly per statement run.
  static constexpr std::size_t kTagsPerStatement = 16;
  sqlite3* db_ = nullptr;
  Statement insert_, update_, delete_tags_;
  std::array<Statement, kTagsPerStatement + 1> insert_tags_;  // by row count
};

}  // namespace clt::collector
