#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace clt::demo {

// One IOAM node on a sub-request's path, as the collector reports it.
struct HopReport {
  int hop = 0;  // 1 = first node on the path
  std::string node;
  std::uint32_t node_id = 0;
  std::optional<std::int64_t> delay_us;  // from the previous node; none on hop 1
  std::optional<std::int64_t> queue_depth;
  std::int64_t packets = 0;
};

// One direction of a sub-request on the network: a network span of the
// client span and its hops.
struct PathReport {
  std::string path;  // "athos > porthos > aramis"
  std::vector<HopReport> hops;
  std::string slowest_hop;  // node at the end of the slowest link
  std::optional<std::int64_t> slowest_hop_delay_us;
  bool ids_lost = false;
  bool overflow = false;
};

struct SubRequestReport {
  std::string name;  // "/check"
  std::string span_id;
  double duration_ms = 0;
  bool has_network = false;  // the collector joined IOAM data to the span
  std::string path;          // the request's path: "athos > porthos > aramis"
  std::vector<HopReport> hops;
  std::string slowest_hop;  // node at the end of the slowest link
  std::optional<std::int64_t> slowest_hop_delay_us;
  bool ids_lost = false;
  bool overflow = false;
  // The response's path, when the collector has a network span tagged
  // `ioam.direction` = `response` (the ids read on the wire bind it).
  std::optional<PathReport> response;
};

struct RequestReport {
  std::string trace_id;
  double duration_ms = 0;
  std::vector<SubRequestReport> sub_requests;
  std::string error;  // why the request or its trace is incomplete
};

// What the API service answered for one /api/request.
struct ApiAnswer {
  std::string trace_id;
  double duration_ms = 0;
  struct Sub {
    std::string name;
    std::string span_id;
    double duration_ms = 0;
    int status = 0;
  };
  std::vector<Sub> sub_requests;
};

// Parses the API service's JSON answer; nullopt with error set if malformed.
// An answer without a trace id (a service that does not know its tracing)
// takes started_trace_id, the trace its caller started; without one it is
// malformed. A sub-request without a span id is found in the trace later.
std::optional<ApiAnswer> parse_api_answer(const std::string& body, std::string& error,
                                          const std::string& started_trace_id = {});

// Fills a report from the collector's Jaeger-JSON trace (`GET /api/traces/ID`).
// A sub-request without a span id is the trace's client span (`span.kind` =
// client) whose URL ends with its name. Returns true when every sub-request
// has its request path with hops, and its response path too where responses
// carry CLT (responses_expected: ids read on the wire at the server).
bool fill_from_trace(const ApiAnswer& answer, const nlohmann::json& trace, RequestReport& report,
                     bool responses_expected = false);

// The link (from > to) with the largest delay over all sub-requests; empty if none.
struct SlowestLink {
  std::string from;
  std::string to;
  std::int64_t delay_us = -1;
  std::string sub_request;
  std::string direction;  // "request" or "response"
};
SlowestLink slowest_link(const RequestReport& report);

nlohmann::json to_json(const RequestReport& report);
// One short line for the live view.
std::string to_line(const RequestReport& report);

}  // namespace clt::demo
