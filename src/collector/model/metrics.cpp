#include "collector/model/metrics.h"

namespace clt::collector {

namespace {

template <typename T>
void line(std::string& out, const char* name, const char* type, const char* help, const T& v) {
  out += "# HELP clt_collector_";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE clt_collector_";
  out += name;
  out += ' ';
  out += type;
  out += "\nclt_collector_";
  out += name;
  out += ' ';
  out += std::to_string(v.load(std::memory_order_relaxed));
  out += '\n';
}

// One line per listener and reason, zeros included, so that a rate can be
// taken from the start.
void tls_lines(std::string& out, const Metrics::Counter (&counts)[kTlsListeners][kTlsRefusals]) {
  out +=
      "# HELP clt_collector_tls_refused_total TLS connections refused, by listener and reason.\n"
      "# TYPE clt_collector_tls_refused_total counter\n";
  for (std::size_t l = 0; l < kTlsListeners; ++l) {
    for (std::size_t r = 0; r < kTlsRefusals; ++r) {
      out += "clt_collector_tls_refused_total{listener=\"";
      out += tls_listener_name(static_cast<TlsListener>(l));
      out += "\",reason=\"";
      out += tls_refusal_name(static_cast<TlsRefusal>(r));
      out += "\"} ";
      out += std::to_string(counts[l][r].load(std::memory_order_relaxed));
      out += '\n';
    }
  }
}

}  // namespace

const char* tls_listener_name(TlsListener listener) {
  switch (listener) {
    case TlsListener::grpc:
      return "grpc";
    case TlsListener::otlp_http:
      return "otlp_http";
    case TlsListener::query_http:
      break;
  }
  return "query_http";
}

const char* tls_refusal_name(TlsRefusal reason) {
  switch (reason) {
    case TlsRefusal::plaintext:
      return "plaintext";
    case TlsRefusal::no_client_certificate:
      return "no_client_certificate";
    case TlsRefusal::untrusted_client_certificate:
      return "untrusted_client_certificate";
    case TlsRefusal::peer_rejected_certificate:
      return "peer_rejected_certificate";
    case TlsRefusal::timeout:
      return "timeout";
    case TlsRefusal::other:
      break;
  }
  return "other";
}

std::string Metrics::render_prometheus() const {
  std::string o;
  line(o, "ioam_reports_received_total", "counter", "IOAM reports accepted.",
       ioam_reports_received);
  line(o, "ioam_messages_received_total", "counter",
       "IOAM messages accepted (per-packet reports and span summary batches).",
       ioam_messages_received);
  line(o, "ioam_packets_received_total", "counter", "Packets the accepted IOAM messages represent.",
       ioam_packets_received);
  line(o, "ioam_summaries_received_total", "counter", "Span summaries accepted.",
       ioam_summaries_received);
  line(o, "ioam_summaries_rejected_total", "counter", "Malformed span summaries refused.",
       ioam_summaries_rejected);
  line(o, "ioam_reports_rejected_total", "counter", "Malformed IOAM reports refused.",
       ioam_reports_rejected);
  line(o, "ioam_streams_total", "counter", "IOAM report streams opened.", ioam_streams);
  line(o, "otlp_spans_received_total", "counter", "OTLP spans accepted.", otlp_spans_received);
  line(o, "otlp_spans_rejected_total", "counter", "OTLP spans refused for invalid ids.",
       otlp_spans_rejected);
  line(o, "otlp_requests_rejected_total", "counter", "Malformed OTLP requests refused.",
       otlp_requests_rejected);
  line(o, "otlp_attributes_dropped_total", "counter",
       "Span, event and resource attributes dropped by the span limits.", otlp_attributes_dropped);
  line(o, "otlp_events_dropped_total", "counter", "Span events dropped by the span limits.",
       otlp_events_dropped);
  line(o, "otlp_links_dropped_total", "counter", "Span links dropped by the span limits.",
       otlp_links_dropped);
  line(o, "otlp_values_truncated_total", "counter",
       "Attribute values cut at the span limits' value length.", otlp_values_truncated);
  line(o, "requests_too_large_total", "counter", "Requests refused for their size.",
       requests_too_large);
  line(o, "requests_refused_overload_total", "counter",
       "Requests refused because the ingest queue was full.", requests_refused_overload);
  line(o, "requests_refused_storage_total", "counter",
       "Requests refused because the database could not be written (disk full).",
       requests_refused_storage);
  line(o, "http_requests_malformed_total", "counter",
       "HTTP requests refused for their framing or head size.", http_requests_malformed);
  line(o, "http_timeouts_total", "counter",
       "HTTP connections closed because a request did not arrive in time.", http_timeouts);
  line(o, "http_connections_refused_total", "counter",
       "HTTP connections refused beyond the connection caps.", http_connections_refused);
  line(o, "grpc_streams_refused_total", "counter",
       "IOAM report streams refused beyond --max-ioam-streams.", grpc_streams_refused);
  tls_lines(o, tls_refused);
  line(o, "store_batches_total", "counter", "Transactions committed.", store_batches);
  line(o, "store_errors_total", "counter", "Failed store transactions.", store_errors);
  line(o, "store_records_written_total", "counter", "IOAM records stored.", store_records_written);
  line(o, "store_spans_written_total", "counter", "Application spans stored.", store_spans_written);
  line(o, "network_spans_written_total", "counter", "Network summaries stored.",
       network_spans_written);
  line(o, "retention_deleted_rows_total", "counter", "Rows removed by retention.",
       retention_deleted_rows);
  line(o, "export_spans_queued_total", "counter", "Spans queued for OTLP export.",
       export_spans_queued);
  line(o, "export_spans_sent_total", "counter", "Spans exported.", export_spans_sent);
  line(o, "export_spans_dropped_total", "counter",
       "Spans dropped by the exporter (queue full or retries exhausted).", export_spans_dropped);
  line(o, "export_retries_total", "counter", "Export attempts retried.", export_retries);
  line(o, "export_failures_total", "counter", "Export requests that failed.", export_failures);
  line(o, "query_requests_total", "counter", "Query API requests.", query_requests);
  line(o, "query_responses_too_large_total", "counter",
       "Queries refused because the answer exceeded the response budget.",
       query_responses_too_large);
  line(o, "query_requests_unauthorized_total", "counter",
       "Query API and /metrics requests refused for a missing or wrong bearer token.",
       query_requests_unauthorized);
  line(o, "ingest_queue_bytes", "gauge", "Bytes waiting to be stored.", ingest_queue_bytes);
  line(o, "join_pending_keys", "gauge", "Spans whose network summary is not written yet.",
       join_pending_keys);
  line(o, "export_queue_spans", "gauge", "Spans waiting to be exported.", export_queue_spans);
  line(o, "db_size_bytes", "gauge", "Bytes used by the database.", db_size_bytes);
  line(o, "store_refusing", "gauge",
       "1 while new data is refused because the database could not be written.", store_refusing);
  line(o, "http_connections", "gauge", "Open HTTP connections.", http_connections);
  line(o, "ioam_streams_open", "gauge", "Open IOAM report streams.", ioam_streams_open);
  return o;
}

}  // namespace clt::collector
