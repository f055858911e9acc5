#pragma once

#include <string>

#include "collector/store/sqlite_db.h"

namespace clt::collector {

// The schema version a database carries in PRAGMA user_version:
//   1: spans stored in their Jaeger form (tags, logs, references as JSON
//      text; times in microseconds); user_version was still 0 then.
//   2: spans stored as received (OTLP protobuf, ns times) with a tag index.
inline constexpr int kSchemaVersion = 3;

// Creates the schema in a new database, or migrates an older one to
// kSchemaVersion in one transaction; false with `error` set (a database of
// a newer version is refused, not touched).
bool prepare_schema(SqliteDb& db, std::string& error);

// The version of an opened database (0: empty).
int schema_version(SqliteDb& db);

}  // namespace clt::collector
