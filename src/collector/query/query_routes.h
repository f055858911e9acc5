#pragma once

#include "collector/http/http_server.h"
#include "collector/model/metrics.h"
#include "collector/query/query_service.h"

namespace clt::collector {

// The Jaeger-compatible query API, /metrics, /healthz and the UI.
void install_query_routes(HttpServer& server, QueryService& query, Metrics& metrics);

}  // namespace clt::collector
