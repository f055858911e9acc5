// libFuzzer target: the OTLP receivers' decoding of a request, as the
// OTLP/HTTP route and the OTLP/gRPC receiver run it (media type, content
// coding within the size limit, OTLP/JSON or protobuf, conversion within the
// span limits), must refuse bad input with a status and never crash, read
// out of bounds or exceed its limits (ASan/UBSan watch).
#include <cstddef>
#include <cstdint>
#include <string>

#include "collector/ingest/otlp_http_request.h"
#include "collector/ingest/otlp_spans.h"

namespace {

constexpr std::size_t kMaxBody = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the media type and the content coding.
  static const char* const kTypes[] = {"application/json", "application/x-protobuf",
                                       "Application/JSON; charset=utf-8", "text/plain"};
  static const char* const kCodings[] = {"", "gzip", "deflate", "identity, gzip"};
  const char* type = kTypes[data[0] & 3];
  const char* coding = kCodings[(data[0] >> 2) & 3];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  clt::collector::SpanLimits limits;
  limits.attributes = 4;
  limits.events = 2;
  limits.links = 2;
  limits.event_attributes = 2;
  limits.value_length = 16;
  clt::collector::ExportTraceServiceRequest request;
  const auto d = clt::collector::decode_otlp_http(type, coding, body, kMaxBody, request);
  if (d.status == 200) {
    clt::collector::OtlpConversion conv;
    clt::collector::convert_otlp(request, limits, conv);
    for (const auto& span : conv.spans)
      if (span.otlp.empty() || span.service.empty()) __builtin_trap();
  } else if (d.error.empty()) {
    __builtin_trap();  // every refusal says why
  }
  return 0;
}
