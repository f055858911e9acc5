#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace clt::collector {

// One SQLite connection (used by one thread at a time).
class SqliteDb {
 public:
  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // false with `error` set on failure.
  bool open(const std::string& path, bool read_only, std::string& error);
  // Runs statements without results; false with `error` set.
  bool exec(const char* sql, std::string& error);
  sqlite3* handle() const { return db_; }
  std::string last_error() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

 private:
  sqlite3* db_ = nullptr;
};

// A prepared statement, reset after each use. Bound text and blobs are not
// copied: they must stay alive until the statement is stepped and reset.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(Statement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool valid() const { return stmt_ != nullptr; }
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, std::string_view text);
  Statement& bind_blob(int i, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int i);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // step() until done; true if it ended in SQLITE_DONE. Resets.
  bool run();
  void reset();

  std::int64_t column_int(int i) const;
  std::string_view column_text(int i) const;
  std::span<const std::uint8_t> column_blob(int i) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace clt::collector
