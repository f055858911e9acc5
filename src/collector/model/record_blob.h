#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace clt::collector {

// The raw IOAM reports of one span from one batch, as a store keeps them:
// [i64 received_us][u32 len][bytes] repeated.
void append_raw_record(std::string& blob, std::int64_t received_us, std::string_view report);

// Decodes a record blob; `visit(received_us, report bytes)`. False if corrupt.
bool for_each_raw_record(std::span<const std::uint8_t> blob,
                         const std::function<void(std::int64_t, std::string_view)>& visit);

}  // namespace clt::collector
