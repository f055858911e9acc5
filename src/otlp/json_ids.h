#pragma once

#include <string>
#include <string_view>

namespace clt::otlp {

// OTLP/JSON writes trace and span ids as hex, the protobuf JSON mapping
// reads bytes as base64: copies `json` to `out` with the ids of spans
// (traceId, spanId, parentSpanId) and of their links (traceId, spanId), in
// either spelling, rewritten as base64. Streaming (a SAX parse, no tree), so
// memory stays proportional to the text whatever its shape. False with
// `error` saying where and what when the text is not JSON, not an object, an
// id is not hex of the right length, or a list is not an array.
bool hex_ids_to_base64(std::string_view json, std::string& out, std::string& error);

}  // namespace clt::otlp
