#include "collector/query/raw_record_json.h"

#include "core/trace_json.h"
#include "ioam_api.pb.h"
#include "ioam_api/trace_mapping.h"

namespace clt::collector {

bool append_report_json(std::string& out, std::uint64_t index, std::int64_t received_us,
                        std::string_view report_bytes) {
  ioam_api::IOAMTrace r;
  if (!r.ParseFromArray(report_bytes.data(), static_cast<int>(report_bytes.size()))) return false;
  core::Trace t;
  std::string error;
  if (!ioam_api_mapping::decode_ioam_trace(r, t, error)) return false;
  core::JsonContext ctx;
  ctx.frame = index;
  ctx.time_sec = received_us / 1'000'000;
  ctx.time_usec = static_cast<std::int32_t>(received_us % 1'000'000);
  core::append_trace_json(out, t, ctx);
  return true;
}

}  // namespace clt::collector
