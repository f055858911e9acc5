#pragma once

#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

// The OTLP/JSON encoding of trace exports, as the OTLP specification maps it:
// protobuf JSON with trace and span ids as hex strings (not base64), enums as
// integers, 64-bit integers as decimal strings or numbers. Both lowerCamelCase
// and the original field names are accepted; unknown fields are ignored.
namespace clt::otlp {

using ExportTraceServiceRequest =
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using ExportTraceServiceResponse =
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

// Deeper bodies are refused before they are parsed. A span attribute sits at
// depth 10; each level of nested arrayValue/kvlistValue adds 3 or 4.
inline constexpr std::size_t kMaxTracesJsonDepth = 64;

// Fills `out` (cleared first) from an OTLP/JSON body. On bad input returns
// false, leaves `out` empty and sets `error` to one line saying what is wrong.
bool parse_traces_json(std::string_view json, ExportTraceServiceRequest& out, std::string& error);

// The OTLP/JSON body for `request`, lowerCamelCase keys, hex ids.
std::string to_traces_json(const ExportTraceServiceRequest& request);

// The OTLP/JSON body of an export response (e.g. `{}` or a partialSuccess).
std::string to_response_json(const ExportTraceServiceResponse& response);
bool parse_response_json(std::string_view json, ExportTraceServiceResponse& out,
                         std::string& error);

}  // namespace clt::otlp
