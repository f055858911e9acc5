#pragma once

#include <cstdint>

#include "collector/clickhouse/row_binary.h"
#include "collector/model/ioam_record.h"

namespace clt::collector::clickhouse {

// A span's key in the tables: trace_id, span_id, then direction as a UInt8
// (0 request, 1 response; rows stored before directions read 0).
inline std::uint8_t direction_column(core::Direction d) {
  return static_cast<std::uint8_t>(d);
}

// Reads (trace_id, span_id, direction) from a RowBinary answer.
inline bool read_key(RowBinaryReader& r, JoinKey& k) {
  std::uint8_t direction = 0;
  if (!r.fixed(k.trace_id) || !r.fixed(k.span_id) || !r.u8(direction)) return false;
  k.direction = direction == 1 ? core::Direction::kResponse : core::Direction::kRequest;
  return true;
}

}  // namespace clt::collector::clickhouse
