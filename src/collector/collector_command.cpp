#include <google/protobuf/stubs/logging.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "collector/clickhouse/clickhouse_store.h"
#include "collector/collector_options.h"
#include "collector/http/http_server.h"
#include "collector/ingest/commit_waiter.h"
#include "collector/ingest/grpc_receivers.h"
#include "collector/ingest/ingest_queue.h"
#include "collector/ingest/otlp_accept.h"
#include "collector/ingest/otlp_http_routes.h"
#include "collector/model/metrics.h"
#include "collector/query/query_routes.h"
#include "collector/query/query_service.h"
#include "collector/span_exporter.h"
#include "collector/store/sqlite_store.h"
#include "collector/store_writer_loop.h"
#include "collector/tls/grpc_tls_log.h"
#include "collector/tls/server_tls.h"
#include "collector/tls/tls_refusals.h"
#include "os/log.h"
#include "os/signals.h"

namespace {

using namespace clt::collector;

int fail(const std::string& message) {
  std::fprintf(stderr, "clt collector: %s\n", message.c_str());
  return 1;
}

std::unique_ptr<SpanExporter> make_exporter(const CollectorOptions& o, Metrics& metrics,
                                            std::string& error) {
  if (o.otlp_endpoint.empty()) return nullptr;
  clt::otlp::SenderConfig config;
  if (!clt::otlp::parse_protocol(o.otlp_protocol, config.protocol)) {
    error = "--otlp-protocol '" + o.otlp_protocol + "' is not http/protobuf, http/json or grpc";
    return nullptr;
  }
  config.endpoint = o.otlp_endpoint;
  config.tls = o.otlp_tls;
  auto sender = clt::otlp::make_sender(config, error);
  if (!sender) return nullptr;
  ExportOptions eo;
  eo.max_queue_spans = o.export_queue_spans;
  return std::make_unique<SpanExporter>(std::move(sender), eo, metrics);
}

// The store --store chose, opened (its schema created or checked); nullptr
// with `error` set.
std::unique_ptr<Store> open_store(const CollectorOptions& o, std::string& error) {
  if (o.clickhouse) {
    auto store = std::make_unique<clickhouse::ClickHouseStore>();
    if (!store->open(*o.clickhouse, error)) return nullptr;
    return store;
  }
  auto store = std::make_unique<SqliteStore>();
  if (!store->open(o.store, error)) return nullptr;
  return store;
}

std::string store_name(const CollectorOptions& o) {
  if (o.clickhouse)
    return "store=clickhouse://" + o.clickhouse->endpoint.address() + "/" +
           o.clickhouse->endpoint.database;
  return "db=" + o.store.path;
}

// libprotobuf logs each string that is not UTF-8 as an ERROR line: one per
// bad request would let any client flood the log. Such requests are refused
// with a reason (and counted) anyway.
void protobuf_log(google::protobuf::LogLevel level, const char* file, int line,
                  const std::string& message) {
  if (level < google::protobuf::LOGLEVEL_FATAL) return;
  std::fprintf(stderr, "clt collector: libprotobuf %s:%d: %s\n", file, line, message.c_str());
}

// Every connection is a descriptor: allow as many as the hard limit does.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// No query route takes a body.
HttpServerOptions query_http_options(const CollectorOptions& o) {
  HttpServerOptions h = o.http;
  h.max_body_bytes = 64 * 1024;
  h.body_limit_origin = "the query API takes no request body";
  h.body_budget_bytes = 1024 * 1024;
  return h;
}

GrpcReceiverOptions grpc_options(const CollectorOptions& o, const clt::tls::TlsMaterial& tls) {
  GrpcReceiverOptions g;
  g.tls_cert_pem = tls.cert_pem;
  g.tls_key_pem = tls.key_pem;
  g.tls_client_ca_pem = tls.ca_pem;
  g.handshake_timeout = o.http.header_timeout;
  g.ioam_addresses = o.ioam_grpc;
  g.otlp_addresses = o.otlp_grpc;
  g.max_message_bytes = o.max_request_bytes;
  g.max_ioam_streams = o.max_ioam_streams;
  g.memory_quota_bytes = std::max<std::size_t>(16 * o.max_request_bytes, 64 * 1024 * 1024);
  return g;
}

// The listeners' TLS, read and checked before anything starts: the material
// for gRPC, the context for HTTP. nullptr with `error` set.
std::shared_ptr<ServerTlsContext> listener_tls(const ServerTlsOptions& options,
                                               clt::tls::TlsMaterial& material,
                                               std::string& error) {
  if (!load_server_tls(options, material, error)) return nullptr;
  return ServerTlsContext::create(material, error);
}

// The HTTP listeners' TLS, when configured.
void use_tls(HttpServerOptions& h, const std::shared_ptr<ServerTlsContext>& tls,
             TlsListener listener, TlsRefusals& refusals) {
  h.tls = tls;
  h.tls_listener = listener;
  h.tls_refusals = &refusals;
}

// One line a test or script can read the bound ports from (port 0 takes a
// free one): "listening: ioam=127.0.0.1:41234 ioam=unix:/p otlp-grpc=... ".
std::string listening_line(const GrpcReceivers& grpc, const HttpServer* otlp_http,
                           const HttpServer* query_http, const CollectorOptions& o) {
  std::string out = "listening:";
  for (const auto& a : grpc.bound_ioam_addresses()) out += " ioam=" + a;
  for (const auto& a : grpc.bound_otlp_addresses()) out += " otlp-grpc=" + a;
  auto http = [&out](const char* name, const HttpServer* server, const HttpEndpoint& e) {
    const bool v6 = e.host.find(':') != std::string::npos;
    out += std::string(" ") + name + "=" + (v6 ? "[" + e.host + "]" : e.host) + ":" +
           std::to_string(server->bound_port());
  };
  if (otlp_http) http("otlp-http", otlp_http, *o.otlp_http);
  if (query_http) http("query", query_http, *o.query_http);
  if (o.tls.enabled()) out += o.tls.client_ca_file.empty() ? " tls=on" : " tls=mutual";
  return out;
}

}  // namespace

int clt::cli::run_collector(int argc, char** argv) {
  CollectorOptions o;
  if (int rc = parse_collector_options(argc, argv, o); rc >= 0) return rc;

  // Signals are taken synchronously by the main thread; every other thread
  // inherits the blocked mask.
  os::BlockedSignals stop_signals({SIGINT, SIGTERM});
  signal(SIGPIPE, SIG_IGN);
  google::protobuf::SetLogHandler(&protobuf_log);
  raise_descriptor_limit();

  Metrics metrics;
  std::string error;
  clt::tls::TlsMaterial tls_material;
  std::shared_ptr<ServerTlsContext> tls;
  if (o.tls.enabled() || !o.tls.client_ca_file.empty()) {
    tls = listener_tls(o.tls, tls_material, error);
    if (!tls) return fail(error);
  }
  std::unique_ptr<Store> store_owner = open_store(o, error);
  if (!store_owner) return fail(error);
  Store& store = *store_owner;
  std::unique_ptr<SpanExporter> exporter = make_exporter(o, metrics, error);
  if (!o.otlp_endpoint.empty() && !exporter) return fail(error);

  IngestQueue queue(o.ingest_queue_bytes, metrics);
  os::Log log("collector");
  TlsRefusals tls_refusals(metrics, log);
  // Only while gRPC serves TLS: its handshake lines then are refusals.
  std::optional<GrpcTlsLog> grpc_log;
  if (tls && (!o.ioam_grpc.empty() || !o.otlp_grpc.empty())) grpc_log.emplace(tls_refusals);
  os::RateLimitedError write_errors(log,
                                    "cannot store received data (not acknowledged; senders retry)");
  StoreWriterLoop writer(queue, store, o.node_names, metrics, exporter.get(), o.writer,
                         &write_errors);
  writer.recover();
  std::thread writer_thread([&] { writer.run(); });

  ReaderPool readers([&store](std::string& e) { return store.open_reader(e); });
  QueryService query(readers, QueryLimits{o.max_query_response_bytes});
  CommitWaiter waiter(queue);
  HttpServerOptions query_options = query_http_options(o), otlp_options = o.http;
  if (tls) {
    use_tls(query_options, tls, TlsListener::query_http, tls_refusals);
    use_tls(otlp_options, tls, TlsListener::otlp_http, tls_refusals);
  }
  HttpServer query_server(query_options, metrics), otlp_server(otlp_options, metrics);
  OtlpAcceptOptions ao;
  ao.limits = o.span_limits;
  OtlpAcceptor acceptor(queue, waiter, metrics, ao);
  GrpcReceivers grpc(queue, waiter, acceptor, metrics, grpc_options(o, tls_material));

  auto stop_all = [&] {
    grpc.shutdown();
    otlp_server.stop();
    acceptor.stop();
    query_server.stop();
    waiter.stop();
    queue.close();
    if (writer_thread.joinable()) writer_thread.join();
    if (exporter) exporter->shutdown(std::chrono::seconds(5));
  };

  bool ok = true;
  if (o.query_http) {
    install_query_routes(query_server, query, metrics,
                         o.auth_token.empty() ? BearerAuth() : BearerAuth(o.auth_token));
    ok = query_server.start(*o.query_http, error);
  }
  if (ok && o.otlp_http) {
    install_otlp_http_routes(otlp_server, acceptor, metrics, o.max_request_bytes);
    ok = otlp_server.start(*o.otlp_http, error);
  }
  if (ok) ok = grpc.start(error);
  if (!ok) {
    stop_all();
    return fail(error);
  }
  std::fprintf(stderr, "clt collector: ready; %s\nclt collector: %s\n", store_name(o).c_str(),
               listening_line(grpc, o.otlp_http ? &otlp_server : nullptr,
                              o.query_http ? &query_server : nullptr, o)
                   .c_str());

  const int sig = stop_signals.wait();
  std::fprintf(stderr, "clt collector: stopping (signal %d)\n", sig);
  stop_all();
  return 0;
}
