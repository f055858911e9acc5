#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collector/model/jaeger_span.h"
#include "collector/store/store.h"

namespace clt::collector {

// What /api/traces searches for (Jaeger's query parameters).
using TraceQuery = SpanSearch;

// Parses Jaeger's query parameters; false with `error` set on bad values.
// `params` is a multimap of the query string (tag=k:v may repeat).
bool parse_trace_query(const std::multimap<std::string, std::string>& params, std::int64_t now_us,
                       TraceQuery& out, std::string& error);
// "1.5s", "100ms", "250us", "2m", "1h"; nullopt when not a duration.
std::optional<std::int64_t> parse_duration_us(const std::string& text);

// Opens a store reader; nullptr with `error` set.
using ReaderFactory = std::function<std::unique_ptr<StoreReader>(std::string& error)>;

// Readers for the query threads, opened on demand and reused.
class ReaderPool {
 public:
  explicit ReaderPool(ReaderFactory open) : open_(std::move(open)) {}
  class Lease {
   public:
    Lease(ReaderPool& pool, std::unique_ptr<StoreReader> r) : pool_(pool), reader_(std::move(r)) {}
    ~Lease() {
      if (reader_) pool_.give_back(std::move(reader_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    StoreReader* operator->() { return reader_.get(); }
    StoreReader& operator*() { return *reader_; }
    explicit operator bool() const { return reader_ != nullptr; }

   private:
    ReaderPool& pool_;
    std::unique_ptr<StoreReader> reader_;
  };
  Lease acquire(std::string& error);

 private:
  void give_back(std::unique_ptr<StoreReader> r);
  ReaderFactory open_;
  std::mutex mu_;
  std::vector<std::unique_ptr<StoreReader>> idle_;
};

struct QueryLimits {
  // The largest answer: a query whose answer would be larger is refused with
  // 422 and a message saying how to narrow it, before it takes more memory.
  std::size_t max_response_bytes = 32 * 1024 * 1024;
};

// The status of an answer refused for the response budget (as Prometheus
// answers a query that would load too much).
inline constexpr int kAnswerTooLarge = 422;

// Jaeger-compatible answers, as JSON text.
class QueryService {
 public:
  explicit QueryService(ReaderPool& pool, QueryLimits limits = {}) : pool_(pool), limits_(limits) {}

  // Each returns the HTTP status and sets body.
  int services(std::string& body);
  int operations(const std::string& service, std::string& body);
  int trace(const std::string& trace_id_hex, std::string& body);
  int search(const TraceQuery& query, std::string& body);
  // direction: "request" (also when empty) or "response".
  int ioam_records(const std::string& trace_id_hex, const std::string& span_id_hex,
                   const std::string& direction, std::string& body);

  // Every span of a trace: the applications' and the derived network/hop
  // spans; false when they would take more than max_bytes.
  static bool load_trace(StoreReader& reader, const core::TraceId& id,
                         std::vector<JaegerSpan>& rows, std::size_t max_bytes = SIZE_MAX);

 private:
  int too_large(const std::string& what, std::string& body) const;
  static void find_network_traces(StoreReader& reader, const TraceQuery& q,
                                  std::vector<core::TraceId>& found);

  ReaderPool& pool_;
  QueryLimits limits_;
};

// Span rows of one trace -> a Jaeger trace object (JSON text) appended to
// `out`, span by span; false (out then incomplete) once out is longer than
// max_bytes.
bool append_jaeger_trace_json(std::string& out, const core::TraceId& id,
                              const std::vector<JaegerSpan>& rows,
                              std::size_t max_bytes = SIZE_MAX);
std::string jaeger_trace_json(const core::TraceId& id, const std::vector<JaegerSpan>& rows);
// Accepts 32 or fewer hex digits (Jaeger drops leading zeros).
std::optional<core::TraceId> parse_trace_id_loose(const std::string& hex);
// A Jaeger error body: {"data":null,"errors":[{"code":..,"msg":..}]}.
std::string jaeger_error(int code, const std::string& message);

}  // namespace clt::collector
