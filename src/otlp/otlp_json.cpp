#include "otlp/otlp_json.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "core/hex.h"
#include "otlp/base64.h"
#include "otlp/json_depth.h"
#include "otlp/json_ids.h"

namespace clt::otlp {
namespace {

using nlohmann::json;

void base64_id_to_hex(json& object, const char* camel) {
  auto it = object.find(camel);
  if (it == object.end() || !it->is_string()) return;
  if (auto bytes = from_base64(it->get_ref<const std::string&>())) *it = core::to_hex(*bytes);
}

void ids_to_hex(json& root) {
  auto each = [](json& object, const char* key, auto&& visit) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_array()) return;
    for (auto& element : *it) visit(element);
  };
  each(root, "resourceSpans", [&](json& rs) {
    each(rs, "scopeSpans", [&](json& ss) {
      each(ss, "spans", [&](json& span) {
        base64_id_to_hex(span, "traceId");
        base64_id_to_hex(span, "spanId");
        base64_id_to_hex(span, "parentSpanId");
        each(span, "links", [&](json& link) {
          base64_id_to_hex(link, "traceId");
          base64_id_to_hex(link, "spanId");
        });
      });
    });
  });
}

std::string print(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_enums_as_ints = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

bool parse_message(const std::string& json_text, google::protobuf::Message& out,
                   std::string& error) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(json_text, &out, options);
  if (!status.ok()) {
    out.Clear();
    error = "not a valid OTLP/JSON message: " + std::string(status.message());
    return false;
  }
  return true;
}

}  // namespace

bool parse_traces_json(std::string_view json_text, ExportTraceServiceRequest& out,
                       std::string& error) {
  out.Clear();
  if (!json_depth_within(json_text, kMaxTracesJsonDepth)) {
    error =
        "OTLP/JSON body is nested deeper than " + std::to_string(kMaxTracesJsonDepth) + " levels";
    return false;
  }
  std::string rewritten;
  if (!hex_ids_to_base64(json_text, rewritten, error)) return false;
  return parse_message(rewritten, out, error);
}

std::string to_traces_json(const ExportTraceServiceRequest& request) {
  json root = json::parse(print(request), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return "{}";
  ids_to_hex(root);
  return root.dump();
}

std::string to_response_json(const ExportTraceServiceResponse& response) {
  return print(response);
}

bool parse_response_json(std::string_view json_text, ExportTraceServiceResponse& out,
                         std::string& error) {
  out.Clear();
  return parse_message(std::string(json_text), out, error);
}

}  // namespace clt::otlp
