#pragma once

#include <cstddef>

#include "collector/http/http_server.h"
#include "collector/ingest/otlp_accept.h"
#include "collector/model/metrics.h"

namespace clt::collector {

// POST /v1/traces, protobuf or JSON (OTLP/HTTP), plain, gzip or deflate;
// bodies up to max_body_bytes, also once Content-Encoding is undone.
void install_otlp_http_routes(HttpServer& server, OtlpAcceptor& acceptor, Metrics& metrics,
                              std::size_t max_body_bytes);

}  // namespace clt::collector
