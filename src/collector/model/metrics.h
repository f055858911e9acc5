#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace clt::collector {

// Where a TLS connection was refused: the gRPC receivers share one server
// (IOAM and OTLP on every address), the HTTP ports are apart.
enum class TlsListener : std::uint8_t { grpc, otlp_http, query_http };
inline constexpr std::size_t kTlsListeners = 3;
// Why: the peer spoke plaintext, sent no client certificate (mTLS), sent one
// the client CA did not sign, refused the collector's certificate, took
// longer than the handshake timeout, or any other handshake failure.
enum class TlsRefusal : std::uint8_t {
  plaintext,
  no_client_certificate,
  untrusted_client_certificate,
  peer_rejected_certificate,
  timeout,
  other,
};
inline constexpr std::size_t kTlsRefusals = 6;
const char* tls_listener_name(TlsListener listener);
const char* tls_refusal_name(TlsRefusal reason);

// Counters of the whole collector, shared by its parts (passed in, never
// global). Rendered in the Prometheus text format on /metrics.
struct Metrics {
  using Counter = std::atomic<std::uint64_t>;
  Counter ioam_reports_received{0};
  // Per-packet reports and span summary batches alike: messages, and the
  // packets they represent (one per report, a summary's count).
  Counter ioam_messages_received{0};
  Counter ioam_packets_received{0};
  Counter ioam_summaries_received{0};
  Counter ioam_summaries_rejected{0};
  Counter ioam_reports_rejected{0};  // malformed reports
  Counter ioam_streams{0};
  Counter otlp_spans_received{0};
  Counter otlp_spans_rejected{0};      // invalid ids
  Counter otlp_requests_rejected{0};   // malformed bodies
  Counter otlp_attributes_dropped{0};  // beyond the span limits
  Counter otlp_events_dropped{0};
  Counter otlp_links_dropped{0};
  Counter otlp_values_truncated{0};
  Counter requests_too_large{0};
  Counter requests_refused_overload{0};  // 503 / RESOURCE_EXHAUSTED for lack of room
  Counter requests_refused_storage{0};   // 503 / UNAVAILABLE while the disk is full
  Counter http_requests_malformed{0};    // refused by the HTTP layer (framing, head size)
  Counter http_timeouts{0};              // head or request not complete in time
  Counter http_connections_refused{0};   // beyond the connection caps
  Counter grpc_streams_refused{0};       // beyond --max-ioam-streams
  Counter tls_refused[kTlsListeners][kTlsRefusals]{};  // clt_collector_tls_refused_total
  Counter store_batches{0};
  Counter store_errors{0};
  Counter store_records_written{0};
  Counter store_spans_written{0};
  Counter network_spans_written{0};
  Counter retention_deleted_rows{0};
  Counter export_spans_queued{0};
  Counter export_spans_sent{0};
  Counter export_spans_dropped{0};  // queue full or gave up retrying
  Counter export_retries{0};
  Counter export_failures{0};
  Counter query_requests{0};
  Counter query_responses_too_large{0};    // refused for the response budget
  Counter query_requests_unauthorized{0};  // 401: no or a wrong bearer token
  std::atomic<std::int64_t> ingest_queue_bytes{0};
  std::atomic<std::int64_t> join_pending_keys{0};
  std::atomic<std::int64_t> export_queue_spans{0};
  std::atomic<std::int64_t> db_size_bytes{0};
  std::atomic<std::int64_t> store_refusing{0};  // 1 while new data is refused (disk full)
  std::atomic<std::int64_t> http_connections{0};
  std::atomic<std::int64_t> ioam_streams_open{0};

  Counter& tls_refusals(TlsListener listener, TlsRefusal reason) {
    return tls_refused[static_cast<std::size_t>(listener)][static_cast<std::size_t>(reason)];
  }
  std::string render_prometheus() const;
};

}  // namespace clt::collector
