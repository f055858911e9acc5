#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "collector/clickhouse/clickhouse_endpoint.h"
#include "collector/store/store.h"

namespace clt::collector::clickhouse {

// A reader of the ClickHouse store at `endpoint` (its own connection);
// nullptr with `error` set when the server cannot be reached.
std::unique_ptr<StoreReader> open_reader_of(const Endpoint& endpoint,
                                            std::chrono::milliseconds timeout, std::string& error);

}  // namespace clt::collector::clickhouse
