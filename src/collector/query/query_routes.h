#pragma once

#include "collector/http/http_server.h"
#include "collector/model/metrics.h"
#include "collector/query/bearer_auth.h"
#include "collector/query/query_service.h"

namespace clt::collector {

// The Jaeger-compatible query API, /metrics, /healthz and the UI. With a
// token in `auth`, the API and /metrics answer 401 without it; /healthz and
// the UI's files (which hold no data: the UI asks for the token when its
// first API call gets 401) stay open.
void install_query_routes(HttpServer& server, QueryService& query, Metrics& metrics,
                          BearerAuth auth = {});

}  // namespace clt::collector
