#include "otlp/otlp_sender.h"

#include "otlp/grpc_sender.h"
#include "otlp/http_sender.h"

namespace clt::otlp {

std::unique_ptr<Sender> make_sender(const SenderConfig& config, std::string& error) {
  if (config.protocol == Protocol::grpc) return make_grpc_sender(config, error);
  return make_http_sender(config, error);
}

bool parse_protocol(std::string_view text, Protocol& out) {
  if (text == "grpc") {
    out = Protocol::grpc;
  } else if (text == "http/protobuf") {
    out = Protocol::http_protobuf;
  } else if (text == "http/json") {
    out = Protocol::http_json;
  } else {
    return false;
  }
  return true;
}

const char* protocol_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::grpc:
      return "grpc";
    case Protocol::http_json:
      return "http/json";
    case Protocol::http_protobuf:
      break;
  }
  return "http/protobuf";
}

}  // namespace clt::otlp
