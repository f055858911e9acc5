#include "otlp/otlp_json.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "core/text_excerpt.h"
#include "otlp/hex_base64.h"
#include "otlp/json_depth.h"

namespace clt::otlp {
namespace {

using nlohmann::json;

// The two spellings the mapping accepts for one field; nullptr if absent.
json* find_field(json& object, const char* camel, const char* original) {
  if (!object.is_object()) return nullptr;
  if (auto it = object.find(camel); it != object.end()) return &*it;
  if (auto it = object.find(original); it != object.end()) return &*it;
  return nullptr;
}

// Rewrites a hex id in place as base64 so the protobuf JSON parser reads it as
// bytes. An empty string stays empty (an absent parent span id).
bool hex_id_to_base64(json& object, const char* camel, const char* original, std::size_t id_size,
                      const std::string& where, std::string& error) {
  json* value = find_field(object, camel, original);
  if (value == nullptr || value->is_null()) return true;
  if (!value->is_string()) {
    error = where + "." + camel + ": expected a hex string";
    return false;
  }
  const auto& text = value->get_ref<const std::string&>();
  if (text.empty()) return true;
  auto bytes = from_hex(text);
  if (!bytes || bytes->size() != id_size) {
    error = where + "." + camel + ": expected " + std::to_string(id_size * 2) +
            " hex digits, got \"" + core::quoted_excerpt(text) + "\"";
    return false;
  }
  *value = to_base64(*bytes);
  return true;
}

void base64_id_to_hex(json& object, const char* camel) {
  auto it = object.find(camel);
  if (it == object.end() || !it->is_string()) return;
  if (auto bytes = from_base64(it->get_ref<const std::string&>())) *it = to_hex(*bytes);
}

template <typename Visit>
bool for_each_element(json& object, const char* camel, const char* original,
                      const std::string& where, std::string& error, Visit visit) {
  json* array = find_field(object, camel, original);
  if (array == nullptr || array->is_null()) return true;
  if (!array->is_array()) {
    error = where + "." + camel + ": expected an array";
    return false;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (!visit((*array)[i], where + "." + camel + "[" + std::to_string(i) + "]")) return false;
  }
  return true;
}

bool ids_to_base64(json& root, std::string& error) {
  return for_each_element(
      root, "resourceSpans", "resource_spans", "body", error,
      [&](json& rs, const std::string& rs_at) {
        return for_each_element(
            rs, "scopeSpans", "scope_spans", rs_at, error, [&](json& ss, const std::string& ss_at) {
              return for_each_element(
                  ss, "spans", "spans", ss_at, error, [&](json& span, const std::string& at) {
                    return hex_id_to_base64(span, "traceId", "trace_id", 16, at, error) &&
                           hex_id_to_base64(span, "spanId", "span_id", 8, at, error) &&
                           hex_id_to_base64(span, "parentSpanId", "parent_span_id", 8, at, error) &&
                           for_each_element(span, "links", "links", at, error,
                                            [&](json& link, const std::string& link_at) {
                                              return hex_id_to_base64(link, "traceId", "trace_id",
                                                                      16, link_at, error) &&
                                                     hex_id_to_base64(link, "spanId", "span_id", 8,
                                                                      link_at, error);
                                            });
                  });
            });
      });
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
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    error = "OTLP/JSON body is not valid JSON";
    return false;
  }
  if (!root.is_object()) {
    error = "OTLP/JSON body must be an object with \"resourceSpans\"";
    return false;
  }
  if (!ids_to_base64(root, error)) return false;
  return parse_message(root.dump(), out, error);
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
