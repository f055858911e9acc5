#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "otlp/otlp_sender.h"
#include "tracing/batch_processor.h"
#include "tracing/tracer.h"

// Configuration from the standard OpenTelemetry environment variables:
// OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_TRACES_EXPORTER (otlp, console, none), OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL
// (grpc, http/protobuf, http/json), OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT,
// OTEL_EXPORTER_OTLP[_TRACES]_HEADERS, OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE,
// OTEL_EXPORTER_OTLP[_TRACES]_CLIENT_CERTIFICATE,
// OTEL_EXPORTER_OTLP[_TRACES]_CLIENT_KEY (TLS with https:// endpoints), OTEL_TRACES_SAMPLER,
// OTEL_TRACES_SAMPLER_ARG, OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT,
// OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE.
namespace clt::tracing {

// Looks a variable up; nullopt when unset. Passed in so tests and embedding
// programs decide where settings come from.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();

enum class ExporterKind { otlp, console, none };

struct TracingConfig {
  bool disabled = false;
  std::string service_name = "unknown_service";
  Attributes resource_attributes;  // from OTEL_RESOURCE_ATTRIBUTES
  ExporterKind exporter = ExporterKind::otlp;
  otlp::SenderConfig otlp;
  std::string sampler = "parentbased_always_on";
  std::optional<std::string> sampler_arg;
  BatchOptions batch;
};

// False with `error` set (one line naming the variable) on a bad value;
// `out` is then left as it was.
bool tracing_config_from_env(const EnvLookup& env, TracingConfig& out, std::string& error);

// A provider as the configuration says: batch processor in front of the OTLP
// exporter, simple processor for the console (written to `console`), none
// for "none" or a disabled SDK. nullptr with `error` set on failure.
std::unique_ptr<TracerProvider> make_tracer_provider(const TracingConfig& config,
                                                     std::ostream& console, std::string& error);

}  // namespace clt::tracing
