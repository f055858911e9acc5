#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "collector/ingest/otlp_spans.h"

namespace clt::collector {

struct OtlpHttpDecoding {
  int status = 200;   // else the status to answer with (400, 413, 415)
  bool json = false;  // the answer's form follows the request's
  std::string error;  // why, when status is not 200
};

// What the OTLP/HTTP receiver does with a request before accepting it:
// the media type (415), the content coding undone within max_body_bytes
// (413, 415, 400), the body parsed as OTLP/JSON or protobuf (400). `body`
// is consumed.
OtlpHttpDecoding decode_otlp_http(std::string_view content_type, std::string_view content_encoding,
                                  std::string& body, std::size_t max_body_bytes,
                                  ExportTraceServiceRequest& out);

}  // namespace clt::collector
