#include "tracing/env_config.h"

#include <charconv>
#include <cstdlib>
#include <ostream>

#include "tracing/exporters.h"

namespace clt::tracing {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int value = 0;
      auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec == std::errc() && end == text.data() + i + 3) {
        out.push_back(static_cast<char>(value));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// "k1=v1,k2=v2" (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS).
bool parse_key_values(std::string_view name, std::string_view text,
                      std::vector<std::pair<std::string, std::string>>& out, std::string& error) {
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view member = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (member.empty()) continue;
    const auto equals = member.find('=');
    if (equals == std::string_view::npos || trim(member.substr(0, equals)).empty()) {
      error = std::string(name) + ": \"" + std::string(member) +
              "\" is not key=value; write k1=v1,k2=v2";
      return false;
    }
    out.emplace_back(percent_decode(trim(member.substr(0, equals))),
                     percent_decode(trim(member.substr(equals + 1))));
  }
  return true;
}

bool parse_count(std::string_view name, const std::string& text, std::uint64_t& out,
                 std::string& error) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    error = std::string(name) + "=\"" + text + "\" is not a non-negative integer";
    return false;
  }
  out = value;
  return true;
}

// The first of the variables that is set.
std::optional<std::string> first_set(const EnvLookup& env,
                                     std::initializer_list<std::string_view> names,
                                     std::string_view& which) {
  for (auto name : names) {
    if (auto value = env(name); value && !value->empty()) {
      which = name;
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

bool tracing_config_from_env(const EnvLookup& env, TracingConfig& out, std::string& error) {
  TracingConfig config = out;
  std::string_view which;
  if (auto v = env("OTEL_SDK_DISABLED"))
    config.disabled = *v == "true" || *v == "TRUE" || *v == "True";

  std::vector<std::pair<std::string, std::string>> pairs;
  if (auto v = env("OTEL_RESOURCE_ATTRIBUTES")) {
    if (!parse_key_values("OTEL_RESOURCE_ATTRIBUTES", *v, pairs, error)) return false;
    for (auto& [key, value] : pairs) {
      if (key == "service.name")
        config.service_name = value;
      else
        config.resource_attributes.push_back({key, value});
    }
  }
  if (auto v = env("OTEL_SERVICE_NAME"); v && !v->empty()) config.service_name = *v;

  if (auto v = env("OTEL_TRACES_EXPORTER"); v && !v->empty()) {
    if (*v == "otlp")
      config.exporter = ExporterKind::otlp;
    else if (*v == "console")
      config.exporter = ExporterKind::console;
    else if (*v == "none")
      config.exporter = ExporterKind::none;
    else {
      error = "OTEL_TRACES_EXPORTER=\"" + *v + "\" is not supported: use otlp, console or none";
      return false;
    }
  }

  if (auto v = first_set(env, {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"},
                         which)) {
    if (!otlp::parse_protocol(*v, config.otlp.protocol)) {
      error = std::string(which) + "=\"" + *v +
              "\" is not a protocol: use grpc, http/protobuf or http/json";
      return false;
    }
  }
  const bool grpc = config.otlp.protocol == otlp::Protocol::grpc;
  config.otlp.endpoint = grpc ? "http://localhost:4317" : "http://localhost:4318";
  config.otlp.endpoint_is_traces_url = false;
  if (auto v = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); v && !v->empty()) {
    config.otlp.endpoint = *v;
    config.otlp.endpoint_is_traces_url = !grpc;  // the signal-specific URL is used as is
  } else if (auto base = env("OTEL_EXPORTER_OTLP_ENDPOINT"); base && !base->empty()) {
    config.otlp.endpoint = *base;
  }
  if (auto v = first_set(env, {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"},
                         which)) {
    std::uint64_t ms = 0;
    if (!parse_count(which, *v, ms, error)) return false;
    config.otlp.timeout = std::chrono::milliseconds(ms);
  }
  if (auto v = first_set(env, {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"},
                         which)) {
    config.otlp.headers.clear();
    if (!parse_key_values(which, *v, config.otlp.headers, error)) return false;
  }
  // TLS files (PEM); the signal-specific variable wins. They are read and
  // checked when the exporter is made.
  struct TlsVariable {
    const char* traces;
    const char* general;
    std::string* file;
    std::string* name;
  };
  const TlsVariable tls_variables[] = {
      {"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE",
       &config.otlp.tls.ca_file, &config.otlp.tls.ca_option},
      {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
       &config.otlp.tls.cert_file, &config.otlp.tls.cert_option},
      {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
       &config.otlp.tls.key_file, &config.otlp.tls.key_option},
  };
  for (const auto& t : tls_variables) {
    if (auto v = first_set(env, {t.traces, t.general}, which)) {
      *t.file = *v;
      *t.name = which;
    }
  }

  if (auto v = env("OTEL_TRACES_SAMPLER"); v && !v->empty()) config.sampler = *v;
  if (auto v = env("OTEL_TRACES_SAMPLER_ARG"); v && !v->empty()) config.sampler_arg = *v;
  {
    std::optional<std::string_view> arg;
    if (config.sampler_arg) arg = *config.sampler_arg;
    if (!make_sampler(config.sampler, arg, error)) return false;
  }

  std::uint64_t value = 0;
  if (auto v = env("OTEL_BSP_SCHEDULE_DELAY")) {
    if (!parse_count("OTEL_BSP_SCHEDULE_DELAY", *v, value, error)) return false;
    config.batch.schedule_delay = std::chrono::milliseconds(value);
  }
  if (auto v = env("OTEL_BSP_EXPORT_TIMEOUT")) {
    if (!parse_count("OTEL_BSP_EXPORT_TIMEOUT", *v, value, error)) return false;
    config.batch.export_timeout = std::chrono::milliseconds(value);
  }
  if (auto v = env("OTEL_BSP_MAX_QUEUE_SIZE")) {
    if (!parse_count("OTEL_BSP_MAX_QUEUE_SIZE", *v, value, error)) return false;
    if (value == 0) {
      error = "OTEL_BSP_MAX_QUEUE_SIZE must be at least 1";
      return false;
    }
    config.batch.max_queue_size = value;
  }
  if (auto v = env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")) {
    if (!parse_count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", *v, value, error)) return false;
    if (value == 0) {
      error = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE must be at least 1";
      return false;
    }
    config.batch.max_export_batch_size = value;
  }
  out = std::move(config);
  return true;
}

std::unique_ptr<TracerProvider> make_tracer_provider(const TracingConfig& config,
                                                     std::ostream& console, std::string& error) {
  TracerProviderOptions options;
  options.resource = make_resource(config.service_name, config.resource_attributes);
  std::optional<std::string_view> arg;
  if (config.sampler_arg) arg = *config.sampler_arg;
  options.sampler = make_sampler(config.sampler, arg, error);
  if (!options.sampler) return nullptr;
  if (!config.disabled) {
    if (config.exporter == ExporterKind::otlp) {
      auto exporter = OtlpExporter::create(config.otlp, error, config.batch.export_timeout);
      if (!exporter) return nullptr;
      options.processor = std::make_unique<BatchSpanProcessor>(std::move(exporter), config.batch);
    } else if (config.exporter == ExporterKind::console) {
      options.processor = make_simple_processor(make_console_exporter(console));
    }
  }
  return std::make_unique<TracerProvider>(std::move(options));
}

}  // namespace clt::tracing
