#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace clt::collector {

// Appends one stored report as a `clt decode` JSON object (frame = index,
// time = when the collector received it). False if the bytes do not parse.
bool append_report_json(std::string& out, std::uint64_t index, std::int64_t received_us,
                        std::string_view report_bytes);

}  // namespace clt::collector
