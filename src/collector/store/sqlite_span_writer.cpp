#include "collector/store/sqlite_span_writer.h"

#include <algorithm>

namespace clt::collector {

namespace {

template <std::size_t N>
std::span<const std::uint8_t> bytes_of(const std::array<std::uint8_t, N>& id) {
  return {id.data(), id.size()};
}

}  // namespace

bool SqliteSpanWriter::prepare(SqliteDb& db) {
  db_ = db.handle();
  insert_ = Statement(db_,
                      "INSERT INTO spans(trace_id, span_id, parent_id, service, operation, "
                      "start_ns, duration_ns, otlp) VALUES(?1,?2,?3,?4,?5,?6,?7,?8) "
                      "ON CONFLICT(trace_id, span_id) DO NOTHING");
  update_ = Statement(db_,
                      "UPDATE spans SET parent_id=?3, service=?4, operation=?5, start_ns=?6, "
                      "duration_ns=?7, otlp=?8 WHERE trace_id=?1 AND span_id=?2 RETURNING id");
  delete_tags_ = Statement(db_, "DELETE FROM span_tags WHERE span_row=?");
  std::string sql = "INSERT OR IGNORE INTO span_tags(span_row, key, value) VALUES(?,?,?)";
  bool ok = insert_.valid() && update_.valid() && delete_tags_.valid();
  for (std::size_t n = 1; n <= kTagsPerStatement; ++n) {
    insert_tags_[n] = Statement(db_, sql.c_str());
    ok = ok && insert_tags_[n].valid();
    sql += ",(?,?,?)";
  }
  return ok;
}

void SqliteSpanWriter::bind_columns(Statement& s, const StoredSpan& span) {
  s.bind_blob(1, bytes_of(span.trace_id)).bind_blob(2, bytes_of(span.span_id));
  if (core::is_zero(span.parent_id))
    s.bind_null(3);
  else
    s.bind_blob(3, bytes_of(span.parent_id));
  s.bind(4, span.service).bind(5, span.operation).bind(6, span.start_ns).bind(7, span.duration_ns);
  s.bind_blob(8, {reinterpret_cast<const std::uint8_t*>(span.otlp.data()), span.otlp.size()});
}

bool SqliteSpanWriter::upsert(const StoredSpan& span) {
  bind_columns(insert_, span);
  if (!insert_.run()) return false;
  std::int64_t row = 0;
  if (sqlite3_changes(db_) == 1) {
    row = sqlite3_last_insert_rowid(db_);
  } else {
    // Sent again (a retry, or an update): same row, tags written anew.
    bind_columns(update_, span);
    if (update_.step() != SQLITE_ROW) {
      update_.reset();
      return false;
    }
    row = update_.column_int(0);
    update_.reset();
    if (!delete_tags_.bind(1, row).run()) return false;
  }
  return insert_tags(row, span);
}

bool SqliteSpanWriter::insert_tags(std::int64_t row, const StoredSpan& span) {
  const auto& tags = span.search_tags;
  for (std::size_t at = 0; at < tags.size(); at += kTagsPerStatement) {
    const std::size_t n = std::min(kTagsPerStatement, tags.size() - at);
    Statement& s = insert_tags_[n];
    for (std::size_t i = 0; i < n; ++i) {
      const int base = static_cast<int>(3 * i);
      s.bind(base + 1, row).bind(base + 2, tags[at + i].first).bind(base + 3, tags[at + i].second);
    }
    if (!s.run()) return false;
  }
  return true;
}

}  // namespace clt::collector
