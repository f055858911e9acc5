#include "demo/service_tracing.h"

#include <iostream>

#include "tracing/env_config.h"

namespace clt::demo {

std::unique_ptr<tracing::TracerProvider> make_service_tracing(const std::string& service_name,
                                                              const std::string& node_name,
                                                              const std::string& otlp_endpoint,
                                                              std::string& error) {
  tracing::TracingConfig config;
  if (!tracing::tracing_config_from_env(tracing::process_environment(), config, error)) {
    return nullptr;
  }
  config.service_name = service_name;
  config.resource_attributes.push_back({"host.name", node_name});
  config.exporter = tracing::ExporterKind::otlp;
  config.otlp.protocol = otlp::Protocol::grpc;
  config.otlp.endpoint = otlp_endpoint;
  config.batch.schedule_delay = std::chrono::milliseconds(200);
  return tracing::make_tracer_provider(config, std::cerr, error);
}

}  // namespace clt::demo
