#include "collector/collector_options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>

#include "collector/query/bearer_auth.h"
#include "collector/query/query_service.h"

namespace clt::collector {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::string grpc_address(const std::string& spec, const std::string& default_host) {
  if (spec == "off") return "";
  if (spec.rfind("unix:", 0) == 0) return spec;
  if (all_digits(spec)) {
    const bool v6 = default_host.find(':') != std::string::npos;
    return (v6 ? "[" + default_host + "]" : default_host) + ":" + spec;
  }
  return spec;
}

bool parse_http_endpoint(const std::string& spec, const std::string& default_host,
                         std::optional<HttpEndpoint>& out) {
  if (spec == "off") {
    out.reset();
    return true;
  }
  std::string host = default_host;
  std::string port = spec;
  const auto colon = spec.rfind(':');
  if (colon != std::string::npos) {
    host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
  }
  int p = 0;
  auto r = std::from_chars(port.data(), port.data() + port.size(), p);
  if (!all_digits(port) || r.ec != std::errc() || p < 0 || p > 65535) return false;
  out = HttpEndpoint{host, p};
  return true;
}

namespace {

// The options as typed, before they are checked and converted.
struct TypedOptions {
  std::vector<std::string> ioam{"7123"}, otlp_grpc{"4317"};
  std::string otlp_http = "4318", query_http = "16686";
  std::string retention = "24h", join_delay = "500ms", sync = "normal";
  std::int64_t max_db_mb = 1024;
  std::vector<std::string> node_names;
  std::string config_file;
  std::size_t max_request_mb = 4, queue_mb = 64, query_response_mb = 32;
  std::string header_timeout = "10s", request_timeout = "60s";
  std::string auth_token_file;
  std::string store;  // empty: SQLite at --db
};

void add_receiver_options(CLI::App& app, CollectorOptions& o, TypedOptions& t) {
  app.add_option("--listen", o.listen_host,
                 "address the TCP receivers and the query API bind to when given as a bare port")
      ->capture_default_str();
  app.add_option("--ioam-grpc", t.ioam,
                 "IOAM API (ioam_api.IOAMService) addresses: PORT, HOST:PORT or unix:/path; "
                 "repeatable; port 0 takes a free one; off disables")
      ->capture_default_str();
  app.add_option("--otlp-grpc", t.otlp_grpc,
                 "OTLP/gRPC addresses: PORT, HOST:PORT or unix:/path; repeatable; off disables")
      ->capture_default_str();
  app.add_option("--otlp-http", t.otlp_http,
                 "OTLP/HTTP [HOST:]PORT (POST /v1/traces); off disables")
      ->capture_default_str();
  app.add_option("--query-http", t.query_http, "query API and UI [HOST:]PORT; off disables")
      ->capture_default_str();
  app.add_option("--max-request-size", t.max_request_mb, "MiB; larger requests are refused")
      ->capture_default_str();
  app.add_option("--ingest-queue", t.queue_mb, "MiB of received data waiting to be stored")
      ->capture_default_str();
  app.add_option("--http-header-timeout", t.header_timeout,
                 "an HTTP request head (and a keep-alive pause) must arrive within this")
      ->capture_default_str();
  app.add_option("--http-request-timeout", t.request_timeout,
                 "a whole HTTP request must arrive within this (its answer be read within it)")
      ->capture_default_str();
  app.add_option("--http-max-connections", o.http.max_connections,
                 "open connections per HTTP port; more are refused with 503")
      ->capture_default_str();
  app.add_option("--http-max-connections-per-client", o.http.max_connections_per_client,
                 "open connections per HTTP port from one address")
      ->capture_default_str();
  app.add_option("--max-ioam-streams", o.max_ioam_streams,
                 "open IOAM report streams; more get RESOURCE_EXHAUSTED")
      ->capture_default_str();
  app.add_option("--query-max-response", t.query_response_mb,
                 "MiB of one query API answer; larger answers are refused (422)")
      ->capture_default_str();
}

void add_store_options(CLI::App& app, CollectorOptions& o, TypedOptions& t) {
  app.add_option("--db", o.store.path, "SQLite database file (the same as --store sqlite:PATH)")
      ->capture_default_str();
  app.add_option("--store", t.store,
                 "where data is kept: sqlite:PATH (the default, at --db) or "
                 "clickhouse://HOST:PORT/DATABASE (the HTTP port; collectors may share it)");
  app.add_option("--sync", t.sync,
                 "normal: acknowledged data survives the process being killed; full: also "
                 "power loss (slower)")
      ->check(CLI::IsMember({"normal", "full"}))
      ->capture_default_str();
  app.add_option("--retention", t.retention,
                 "delete data older than this (e.g. 24h, 30m; 0 keeps all)")
      ->capture_default_str();
  app.add_option("--max-db-size", t.max_db_mb,
                 "MiB of data kept; the oldest is deleted beyond it (0: no limit)")
      ->capture_default_str();
  app.add_option("--node-name", t.node_names,
                 "display name of an IOAM node id, ID=NAME; repeatable");
  app.add_option("--config", t.config_file, "JSON file: {\"node_names\": {\"1\": \"athos\"}}");
  app.add_option("--join-delay", t.join_delay,
                 "write a span's network summary once its packets stopped for this long")
      ->capture_default_str();
}

void add_span_options(CLI::App& app, CollectorOptions& o) {
  app.add_option("--span-attribute-count-limit", o.span_limits.attributes,
                 "attributes kept per span (and per resource); more are dropped and counted")
      ->capture_default_str();
  app.add_option("--span-event-count-limit", o.span_limits.events, "events kept per span")
      ->capture_default_str();
  app.add_option("--span-link-count-limit", o.span_limits.links, "links kept per span")
      ->capture_default_str();
  app.add_option("--event-attribute-count-limit", o.span_limits.event_attributes,
                 "attributes kept per span event")
      ->capture_default_str();
  app.add_option("--attribute-value-length-limit", o.span_limits.value_length,
                 "bytes kept of an attribute value; longer ones are cut")
      ->capture_default_str();
  app.add_option("--otlp-endpoint", o.otlp_endpoint,
                 "export network and hop spans to this OTLP backend (http://host:4318 or, with "
                 "--otlp-protocol grpc, host:4317)");
  app.add_option("--otlp-protocol", o.otlp_protocol, "http/protobuf, http/json or grpc")
      ->check(CLI::IsMember({"http/protobuf", "http/json", "grpc"}))
      ->capture_default_str();
  app.add_flag("--export-app-spans", o.writer.export_app_spans,
               "also export the applications' spans received over OTLP");
  app.add_option("--export-queue", o.export_queue_spans,
                 "spans waiting for export; beyond it new ones are dropped (counted)")
      ->capture_default_str();
}

void add_tls_options(CLI::App& app, CollectorOptions& o) {
  app.add_option("--tls-cert", o.tls.cert_file,
                 "PEM certificate (chain): every TCP listener (IOAM and OTLP gRPC, OTLP/HTTP, "
                 "query API and UI) then speaks TLS only");
  app.add_option("--tls-key", o.tls.key_file, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", o.tls.client_ca_file,
                 "PEM CA: clients must present a certificate it signed (mutual TLS)");
  o.otlp_tls.ca_option = "--otlp-tls-ca";
  o.otlp_tls.cert_option = "--otlp-tls-cert";
  o.otlp_tls.key_option = "--otlp-tls-key";
  app.add_option("--otlp-tls-ca", o.otlp_tls.ca_file,
                 "PEM CA the --otlp-endpoint's certificate is checked against (https://; default: "
                 "the system's)");
  app.add_option("--otlp-tls-cert", o.otlp_tls.cert_file,
                 "PEM client certificate for the --otlp-endpoint (mutual TLS)");
  app.add_option("--otlp-tls-key", o.otlp_tls.key_file, "PEM private key of --otlp-tls-cert");
}

void add_auth_options(CLI::App& app, TypedOptions& t) {
  app.add_option("--auth-token-file", t.auth_token_file,
                 "file holding a bearer token: the query API, the UI's data and /metrics then "
                 "answer 401 without \"Authorization: Bearer TOKEN\" (/healthz stays open)");
}

// A duration of at least 1 ms; the error names the option.
std::string positive_duration(const std::string& text, const char* name,
                              std::chrono::milliseconds& out) {
  auto d = parse_duration_us(text);
  if (!d || *d < 1000)
    return std::string(name) + " '" + text + "' is not a duration of at least 1ms, such as 10s";
  out = std::chrono::milliseconds(*d / 1000);
  return {};
}

// Receivers, HTTP and query limits; the reason when a value is wrong.
std::string apply_receiver_options(const TypedOptions& t, CollectorOptions& o) {
  for (const auto& a : t.ioam)
    if (auto addr = grpc_address(a, o.listen_host); !addr.empty()) o.ioam_grpc.push_back(addr);
  for (const auto& a : t.otlp_grpc)
    if (auto addr = grpc_address(a, o.listen_host); !addr.empty()) o.otlp_grpc.push_back(addr);
  if (!parse_http_endpoint(t.otlp_http, o.listen_host, o.otlp_http))
    return "--otlp-http '" + t.otlp_http + "' is not [HOST:]PORT or off";
  if (!parse_http_endpoint(t.query_http, o.listen_host, o.query_http))
    return "--query-http '" + t.query_http + "' is not [HOST:]PORT or off";
  if (t.max_request_mb == 0) return "--max-request-size must be at least 1 MiB";
  o.max_request_bytes = t.max_request_mb * 1024 * 1024;
  o.ingest_queue_bytes = std::max<std::size_t>(t.queue_mb, 1) * 1024 * 1024;
  o.http.max_body_bytes = o.max_request_bytes;
  // Bodies being received at once, over all connections of a port.
  o.http.body_budget_bytes = std::max<std::size_t>(16 * o.max_request_bytes, 64 * 1024 * 1024);
  if (auto e = positive_duration(t.header_timeout, "--http-header-timeout", o.http.header_timeout);
      !e.empty())
    return e;
  if (auto e =
          positive_duration(t.request_timeout, "--http-request-timeout", o.http.request_timeout);
      !e.empty())
    return e;
  if (o.http.header_timeout > o.http.request_timeout)
    return "--http-header-timeout must not be longer than --http-request-timeout";
  if (o.http.max_connections == 0 || o.http.max_connections_per_client == 0)
    return "--http-max-connections and --http-max-connections-per-client must be at least 1";
  if (o.max_ioam_streams == 0) return "--max-ioam-streams must be at least 1";
  if (t.query_response_mb == 0) return "--query-max-response must be at least 1 MiB";
  o.max_query_response_bytes = t.query_response_mb * 1024 * 1024;
  return {};
}

// Store, join, names and span limits; the reason when a value is wrong.
// --store: a SQLite file or a ClickHouse database.
std::string apply_store_choice(const std::string& store, CollectorOptions& o) {
  if (store.empty()) return {};
  if (store.rfind("sqlite:", 0) == 0) {
    o.store.path = store.substr(7);
    if (o.store.path.empty()) return "--store sqlite:PATH names no file";
    return {};
  }
  if (store.rfind("clickhouse:", 0) == 0) {
    std::string error;
    auto endpoint = clickhouse::parse_endpoint(store, error);
    if (!endpoint) return "--store: " + error;
    o.clickhouse = clickhouse::StoreOptions{*endpoint};
    return {};
  }
  return "--store '" + store + "' is neither sqlite:PATH nor clickhouse://HOST:PORT/DATABASE";
}

std::string apply_store_options(const TypedOptions& t, CollectorOptions& o) {
  if (std::string e = apply_store_choice(t.store, o); !e.empty()) return e;
  o.store.sync_full = t.sync == "full";
  if (t.retention == "0") {
    o.writer.retention_age_us = 0;
  } else if (auto d = parse_duration_us(t.retention)) {
    o.writer.retention_age_us = *d;
  } else {
    return "--retention '" + t.retention + "' is not a duration such as 24h";
  }
  if (t.max_db_mb < 0) return "--max-db-size must be >= 0";
  o.writer.max_db_bytes = t.max_db_mb * 1024 * 1024;
  auto jd = parse_duration_us(t.join_delay);
  if (!jd) return "--join-delay '" + t.join_delay + "' is not a duration such as 500ms";
  o.writer.join.quiet_us = *jd;
  o.writer.join.max_wait_us = std::max<std::int64_t>(*jd * 10, 5'000'000);
  std::string error;
  if (!t.config_file.empty() && !o.node_names.load_file(t.config_file, error)) return error;
  for (const auto& n : t.node_names)
    if (!o.node_names.parse_assignment(n, error)) return error;
  if (o.span_limits.value_length == 0) return "--attribute-value-length-limit must be at least 1";
  return {};
}

std::string apply_auth_options(const TypedOptions& t, CollectorOptions& o) {
  std::string error;
  if (!t.auth_token_file.empty() && !read_token_file(t.auth_token_file, o.auth_token, error))
    return error;
  return {};
}

}  // namespace

int parse_collector_options(int argc, char** argv, CollectorOptions& o) {
  CLI::App app{
      "Receive IOAM reports (gRPC) and application spans (OTLP), join them into network and "
      "hop spans, store them in SQLite, export them over OTLP and serve a Jaeger-compatible "
      "query API with the web UI.",
      "clt collector"};
  TypedOptions typed;
  add_receiver_options(app, o, typed);
  add_store_options(app, o, typed);
  add_span_options(app, o);
  add_tls_options(app, o);
  add_auth_options(app, typed);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::string error = apply_receiver_options(typed, o);
  if (error.empty()) error = apply_store_options(typed, o);
  if (error.empty()) error = apply_auth_options(typed, o);
  if (error.empty()) return -1;
  std::fprintf(stderr, "clt collector: %s\n", error.c_str());
  return 2;
}

}  // namespace clt::collector
