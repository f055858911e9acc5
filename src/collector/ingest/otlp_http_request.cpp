#include "collector/ingest/otlp_http_request.h"

#include "collector/ingest/http_body.h"
#include "core/text_excerpt.h"
#include "otlp/otlp_json.h"

namespace clt::collector {

OtlpHttpDecoding decode_otlp_http(std::string_view content_type, std::string_view content_encoding,
                                  std::string& body, std::size_t max_body_bytes,
                                  ExportTraceServiceRequest& request) {
  OtlpHttpDecoding d;
  const OtlpMediaType media = otlp_media_type(content_type);
  d.json = media == OtlpMediaType::json;
  if (media == OtlpMediaType::other) {
    d.status = 415;
    d.error = "Content-Type '" + core::quoted_excerpt(content_type) +
              "' is not OTLP; use application/x-protobuf or application/json";
    return d;
  }
  d.status = decode_content_encoding(content_encoding, body, max_body_bytes, d.error);
  if (d.status != 200) return d;
  std::string error;
  const bool parsed =
      d.json ? otlp::parse_traces_json(body, request, error) : request.ParseFromString(body);
  std::string().swap(body);
  if (!parsed) {
    d.status = 400;
    d.error = d.json ? "the body is not valid OTLP/JSON: " + error
                     : "the body is not a valid OTLP ExportTraceServiceRequest protobuf message "
                       "(malformed, or a string that is not UTF-8)";
  }
  return d;
}

}  // namespace clt::collector
