#pragma once

#include <memory>
#include <string>

#include "tracing/propagation.h"
#include "tracing/tracer.h"

namespace clt::demo {

// A tracer provider for a demo service: OTEL_* variables apply, then the
// service name and the collector endpoint given on the command line (gRPC,
// e.g. unix:/run/clt/demo/otlp.sock). Spans leave in batches every 200 ms so
// the live view sees them quickly. nullptr with error set on failure.
std::unique_ptr<tracing::TracerProvider> make_service_tracing(const std::string& service_name,
                                                              const std::string& node_name,
                                                              const std::string& otlp_endpoint,
                                                              std::string& error);

}  // namespace clt::demo
