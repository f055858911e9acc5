#include "collector/query/query_routes.h"

#include <nlohmann/json.hpp>

#include "collector/model/clock.h"
#include "core/text_excerpt.h"

#ifdef CLT_HAVE_UI
#include "ui/ui_assets.h"
#endif

namespace clt::collector {

namespace {

constexpr const char* kJson = "application/json";

void count(Metrics::Counter& c, std::uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}

// `handler` behind the bearer token.
HttpSyncHandler guarded(const BearerAuth& auth, Metrics& metrics, HttpSyncHandler handler) {
  if (!auth.enabled()) return handler;
  return [auth, &metrics, handler = std::move(handler)](const HttpRequest& req, HttpResponse& res) {
    if (auth.allows(req)) return handler(req, res);
    count(metrics.query_requests_unauthorized);
    BearerAuth::refuse(req, res);
  };
}

// A server's routes, each behind the bearer token.
struct AuthedRoutes {
  HttpServer& server;
  const BearerAuth& auth;
  Metrics& metrics;

  void route(std::string method, std::string pattern, HttpSyncHandler handler,
             RunOn where = RunOn::worker) {
    server.route(std::move(method), std::move(pattern), guarded(auth, metrics, std::move(handler)),
                 where);
  }
};

}  // namespace

namespace {

// /api/...: Jaeger's endpoints and the IOAM records.
void install_api_routes(HttpServer& server, QueryService& query, Metrics& metrics,
                        const BearerAuth& auth) {
  AuthedRoutes authed{server, auth, metrics};
  auto reply = [&metrics](HttpResponse& res, int status, std::string body) {
    count(metrics.query_requests);
    if (status == kAnswerTooLarge) count(metrics.query_responses_too_large);
    res.status = status;
    res.set_content(std::move(body), kJson);
  };
  authed.route("GET", "/api/services",
               HttpSyncHandler([&query, reply](const HttpRequest&, HttpResponse& res) {
                 std::string body;
                 const int status = query.services(body);
                 reply(res, status, std::move(body));
               }));
  authed.route("GET", "/api/services/*/operations",
               HttpSyncHandler([&query, reply](const HttpRequest& req, HttpResponse& res) {
                 std::string body;
                 const int status = query.operations(req.captures[0], body);
                 reply(res, status, std::move(body));
               }));
  authed.route("GET", "/api/operations",
               HttpSyncHandler([&query, reply](const HttpRequest& req, HttpResponse& res) {
                 // Jaeger's newer form: /api/operations?service=S -> [{"name": ..}]
                 std::string body;
                 const int status = query.operations(req.param("service"), body);
                 nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
                 if (status == 200 && j.is_object() && j["data"].is_array()) {
                   nlohmann::json ops = nlohmann::json::array();
                   for (const auto& op : j["data"]) ops.push_back({{"name", op}, {"spanKind", ""}});
                   j["data"] = ops;
                   body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                 }
                 reply(res, status, std::move(body));
               }));
  authed.route("GET", "/api/traces/*",
               HttpSyncHandler([&query, reply](const HttpRequest& req, HttpResponse& res) {
                 const std::string& id = req.captures[0];
                 if (id.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
                   return reply(res, 404,
                                jaeger_error(404, "no such API endpoint: " +
                                                      core::quoted_excerpt(req.path, 200)));
                 std::string body;
                 const int status = query.trace(id, body);
                 reply(res, status, std::move(body));
               }));
  authed.route("GET", "/api/traces",
               HttpSyncHandler([&query, reply](const HttpRequest& req, HttpResponse& res) {
                 TraceQuery q;
                 std::string error;
                 if (!parse_trace_query(req.params, now_us(), q, error))
                   return reply(res, 400, jaeger_error(400, error));
                 std::string body;
                 const int status = query.search(q, body);
                 reply(res, status, std::move(body));
               }));
  authed.route("GET", "/api/ioam/records",
               HttpSyncHandler([&query, reply](const HttpRequest& req, HttpResponse& res) {
                 std::string body;
                 const int status = query.ioam_records(req.param("traceID"), req.param("spanID"),
                                                       req.param("direction"), body);
                 reply(res, status, std::move(body));
               }));
  authed.route(
      "GET", "/api/**", HttpSyncHandler([reply](const HttpRequest& req, HttpResponse& res) {
        reply(res, 404,
              jaeger_error(404, "no such API endpoint: " + core::quoted_excerpt(req.path, 200)));
      }));
}

// Health, metrics and the UI's files, served on the network thread.
void install_service_routes(HttpServer& server, Metrics& metrics, const BearerAuth& auth) {
  AuthedRoutes authed{server, auth, metrics};
  authed.route("GET", "/metrics",
               HttpSyncHandler([&metrics](const HttpRequest&, HttpResponse& res) {
                 res.set_content(metrics.render_prometheus(), "text/plain; version=0.0.4");
               }),
               RunOn::network_thread);
  server.route("GET", "/healthz", HttpSyncHandler([](const HttpRequest&, HttpResponse& res) {
                 res.set_content("ok\n", "text/plain");
               }),
               RunOn::network_thread);
  server.route(
      "GET", "/**", HttpSyncHandler([](const HttpRequest& req, HttpResponse& res) {
#ifdef CLT_HAVE_UI
        const clt::ui::Asset* asset = clt::ui::find_asset(req.path);
        const auto slash = req.path.find_last_of('/');
        const bool looks_like_file =
            req.path.find('.', slash == std::string::npos ? 0 : slash) != std::string::npos;
        if (!asset && !looks_like_file) asset = clt::ui::find_asset("/");
        if (asset) {
          res.set_content(std::string(asset->body), std::string(asset->content_type));
          return;
        }
        res.status = 404;
        res.set_content("not found: " + core::quoted_excerpt(req.path, 200) + "\n", "text/plain");
#else
        res.status = req.path == "/" ? 200 : 404;
        res.set_content(
            "clt collector: this build has no web UI; the query API is under /api/ (e.g. "
            "/api/services)\n",
            "text/plain");
#endif
      }),
      RunOn::network_thread);
}

}  // namespace

void install_query_routes(HttpServer& server, QueryService& query, Metrics& metrics,
                          BearerAuth auth) {
  // The first route that matches serves: /api/** before the UI's /**.
  install_api_routes(server, query, metrics, auth);
  install_service_routes(server, metrics, auth);
}

}  // namespace clt::collector
