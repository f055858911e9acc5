#include "otlp/http_sender.h"

#include <httplib.h>

#include "otlp/endpoint.h"
#include "otlp/otlp_json.h"

namespace clt::otlp {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

bool is_retryable_http_status(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

std::string first_line(const std::string& body) {
  constexpr std::size_t kMaxShown = 200;
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > kMaxShown) line.resize(kMaxShown);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return line;
}

std::string scheme_host_port(const HttpUrl& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  return url.scheme + "://" + (v6 ? "[" + url.host + "]" : url.host) + ":" +
         std::to_string(url.port);
}

class HttpSender final : public Sender {
 public:
  HttpSender(const SenderConfig& config, HttpUrl url)
      : url_(std::move(url)),
        json_(config.protocol == Protocol::http_json),
        client_(scheme_host_port(url_), config.tls.cert_file, config.tls.key_file) {
    if (url_.scheme == "https") {
      if (!config.tls.ca_file.empty()) client_.set_ca_cert_path(config.tls.ca_file.c_str());
      client_.enable_server_certificate_verification(true);
    }
    const auto timeout = config.timeout;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
    client_.set_connection_timeout(seconds.count(), micros.count());
    client_.set_read_timeout(seconds.count(), micros.count());
    client_.set_write_timeout(seconds.count(), micros.count());
    client_.set_keep_alive(true);
    for (const auto& [name, value] : config.headers) headers_.emplace(name, value);
  }

  SendResult send(const ExportTraceServiceRequest& request) override {
    std::string body;
    if (json_) {
      body = to_traces_json(request);
    } else if (!request.SerializeToString(&body)) {
      return {SendStatus::permanent, "cannot serialize the export request", 0};
    }
    auto response = client_.Post(url_.path.c_str(), headers_, body,
                                 json_ ? "application/json" : "application/x-protobuf");
    if (!response) {
      return {SendStatus::retryable,
              "OTLP/HTTP " + url_.host + ":" + std::to_string(url_.port) + ": " +
                  httplib::to_string(response.error()),
              0};
    }
    if (response->status < 200 || response->status >= 300) {
      SendResult result;
      result.status = is_retryable_http_status(response->status) ? SendStatus::retryable
                                                                 : SendStatus::permanent;
      result.message = "OTLP/HTTP status " + std::to_string(response->status);
      if (!response->body.empty() &&
          response->get_header_value("Content-Type").find("protobuf") == std::string::npos)
        result.message += ": " + first_line(response->body);
      return result;
    }
    return partial_success(*response);
  }

 private:
  SendResult partial_success(const httplib::Response& response) const {
    ExportTraceServiceResponse parsed;
    bool parsed_ok = false;
    if (response.body.empty()) return {};
    if (response.get_header_value("Content-Type").find("json") != std::string::npos) {
      std::string ignored;
      parsed_ok = parse_response_json(response.body, parsed, ignored);
    } else {
      parsed_ok = parsed.ParseFromString(response.body);
    }
    SendResult result;
    if (parsed_ok && parsed.has_partial_success()) {
      result.rejected_spans = parsed.partial_success().rejected_spans();
      result.message = parsed.partial_success().error_message();
    }
    return result;
  }

  HttpUrl url_;
  bool json_;
  httplib::Client client_;
  httplib::Headers headers_;
};

}  // namespace

std::unique_ptr<Sender> make_http_sender(const SenderConfig& config, std::string& error) {
  const std::string traces_url =
      config.endpoint_is_traces_url ? config.endpoint : traces_url_from_base(config.endpoint);
  auto url = parse_http_url(traces_url, error);
  if (!url) return nullptr;
  const tls::TlsPaths& paths = config.tls;
  const bool tls_files = paths.given();
  if (tls_files && url->scheme != "https") {
    error = "endpoint \"" + config.endpoint + "\" is http:// (plaintext) but " + paths.ca_option +
            "/" + paths.cert_option + " are given for TLS; use https://";
    return nullptr;
  }
  // Checked here so that a bad file is one line at start-up, not an error
  // on every export.
  tls::TlsMaterial material;
  if (tls_files && !tls::load_tls_material(paths, material, error)) return nullptr;
  return std::make_unique<HttpSender>(config, std::move(*url));
}

}  // namespace clt::otlp
