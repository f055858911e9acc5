#include "collector/clickhouse/clickhouse_reader.h"

#include <set>

#include "collector/clickhouse/clickhouse_http.h"
#include "collector/clickhouse/clickhouse_schema.h"
#include "collector/clickhouse/row_binary.h"
#include "collector/clickhouse/sql_literal.h"
#include "collector/model/network_spans.h"
#include "collector/model/record_blob.h"

namespace clt::collector::clickhouse {

namespace {

// Microseconds (the query API's unit) -> the spans' nanoseconds, saturated.
std::int64_t us_to_ns(std::int64_t us) {
  if (us > INT64_MAX / 1000) return INT64_MAX;
  if (us < INT64_MIN / 1000) return INT64_MIN;
  return us * 1000;
}

class Reader final : public StoreReader {
 public:
  Reader(const Endpoint& endpoint, std::chrono::milliseconds timeout)
      : http_(endpoint, timeout), t_(endpoint.database) {}

  bool check(std::string& error) {
    std::string answer;
    if (http_.select("SELECT 1 FROM " + t_.schema_version + " LIMIT 1 FORMAT RowBinary", answer))
      return true;
    error = http_.error();
    return false;
  }

  bool services(std::vector<std::string>& out, std::size_t max_bytes) override {
    return list("SELECT DISTINCT service FROM " + t_.operations + " ORDER BY service", out,
                max_bytes);
  }
  bool operations(const std::string& service, std::vector<std::string>& out,
                  std::size_t max_bytes) override {
    return list("SELECT DISTINCT operation FROM " + t_.operations +
                    " WHERE service = " + quote(service) + " ORDER BY operation",
                out, max_bytes);
  }
  bool trace_spans(const core::TraceId& id, std::vector<StoredSpan>& out,
                   std::size_t max_bytes) override;
  void trace_networks(const core::TraceId& id, std::vector<NetworkSummary>& out) override;
  void find_traces(const SpanSearch& search, std::vector<core::TraceId>& out) override;
  void scan_networks(std::int64_t start_us, std::int64_t end_us,
                     const std::function<bool(const NetworkSummary&)>& visit) override;
  void records(const JoinKey& key,
               const std::function<void(std::int64_t, std::string_view)>& visit) override;
  std::int64_t count_spans() override;

 private:
  bool list(const std::string& sql, std::vector<std::string>& out, std::size_t max_bytes);

  Http http_;
  Tables t_;
  std::string answer_;
};

bool Reader::list(const std::string& sql, std::vector<std::string>& out, std::size_t max_bytes) {
  if (!http_.select(sql + " FORMAT RowBinary", answer_)) return true;
  RowBinaryReader r(answer_);
  std::size_t bytes = 0;
  while (!r.at_end()) {
    std::string v;
    if (!r.string(v)) break;
    bytes += v.size() + 8;
    out.push_back(std::move(v));
    if (bytes > max_bytes) return false;
  }
  return true;
}

bool Reader::trace_spans(const core::TraceId& id, std::vector<StoredSpan>& out,
                         std::size_t max_bytes) {
  // A span written twice (a retry, an update) is in the table twice until
  // ClickHouse merges the parts: the newest write is the span.
  const std::string sql =
      "SELECT trace_id, span_id, parent_id, service, operation, start_ns, duration_ns, otlp "
      "FROM " +
      t_.spans + " WHERE trace_id = " + id_literal(id) +
      " ORDER BY span_id, written_us DESC LIMIT 1 BY span_id FORMAT RowBinary";
  if (!http_.select(sql, answer_)) return true;
  RowBinaryReader r(answer_);
  std::size_t bytes = 0;
  while (!r.at_end()) {
    StoredSpan s;
    if (!r.fixed(s.trace_id) || !r.fixed(s.span_id) || !r.fixed(s.parent_id) ||
        !r.string(s.service) || !r.string(s.operation) || !r.i64(s.start_ns) ||
        !r.i64(s.duration_ns) || !r.string(s.otlp))
      break;
    // Its Jaeger form is about three times the protobuf.
    bytes += s.bytes() + 2 * s.otlp.size();
    out.push_back(std::move(s));
    if (bytes > max_bytes) return false;
  }
  return true;
}

void Reader::trace_networks(const core::TraceId& id, std::vector<NetworkSummary>& out) {
  const std::string sql = "SELECT argMax(summary, updated_us) FROM " + t_.network +
                          " WHERE trace_id = " + id_literal(id) +
                          " GROUP BY span_id, direction FORMAT RowBinary";
  if (!http_.select(sql, answer_)) return;
  RowBinaryReader r(answer_);
  std::string json;
  while (!r.at_end() && r.string(json)) {
    NetworkSummary s;
    if (summary_from_json(json, s)) out.push_back(std::move(s));
  }
}

void Reader::find_traces(const SpanSearch& q, std::vector<core::TraceId>& out) {
  std::string where = " WHERE start_ns >= " + std::to_string(us_to_ns(q.start_us)) +
                      " AND start_ns <= " + std::to_string(us_to_ns(q.end_us));
  if (!q.service.empty()) where += " AND service = " + quote(q.service);
  if (!q.operation.empty()) where += " AND operation = " + quote(q.operation);
  if (q.min_duration_us)
    where += " AND duration_ns >= " + std::to_string(us_to_ns(*q.min_duration_us));
  if (q.max_duration_us)
    where += " AND duration_ns <= " + std::to_string(us_to_ns(*q.max_duration_us));
  for (const auto& [k, v] : q.tags)
    where += " AND arrayExists((k, v) -> k = " + quote(k) + " AND v = " + quote(v) +
             ", tag_keys, tag_values)";
  // The newest matching spans (at most max_scanned_spans), then their
  // traces, newest first.
  const std::string sql = "SELECT trace_id FROM (SELECT trace_id, start_ns FROM " + t_.span_index +
                          where + " ORDER BY start_ns DESC LIMIT " +
                          std::to_string(q.max_scanned_spans) +
                          ") GROUP BY trace_id ORDER BY max(start_ns) DESC LIMIT " +
                          std::to_string(q.limit) + " FORMAT RowBinary";
  if (!http_.select(sql, answer_)) return;
  RowBinaryReader r(answer_);
  while (!r.at_end() && out.size() < q.limit) {
    core::TraceId id;
    if (!r.fixed(id)) break;
    out.push_back(id);
  }
}

void Reader::scan_networks(std::int64_t start_us, std::int64_t end_us,
                           const std::function<bool(const NetworkSummary&)>& visit) {
  // Pages of growing size: most scans stop early.
  std::size_t offset = 0, page = 256;
  NetworkSummary n;
  std::string json;
  for (;;) {
    const std::string sql =
        "SELECT summary FROM " + t_.network + " WHERE start_us >= " + std::to_string(start_us) +
        " AND start_us <= " + std::to_string(end_us) +
        " ORDER BY start_us DESC, updated_us DESC LIMIT 1 BY trace_id, span_id, direction "
        "LIMIT " +
        std::to_string(offset) + ", " + std::to_string(page) + " FORMAT RowBinary";
    if (!http_.select(sql, answer_)) return;
    RowBinaryReader r(answer_);
    std::size_t rows = 0;
    while (!r.at_end() && r.string(json)) {
      ++rows;
      if (!summary_from_json(json, n)) continue;
      if (!visit(n)) return;
    }
    if (rows < page) return;
    offset += page;
    page = std::min<std::size_t>(page * 4, 65'536);
  }
}

void Reader::records(const JoinKey& key,
                     const std::function<void(std::int64_t, std::string_view)>& visit) {
  const std::string sql =
      "SELECT data FROM " + t_.ioam_records + " WHERE trace_id = " + id_literal(key.trace_id) +
      " AND span_id = " + id_literal(key.span_id) +
      " AND direction = " + (key.direction == core::Direction::kResponse ? "1" : "0") +
      " ORDER BY received_us FORMAT RowBinary";
  if (!http_.select(sql, answer_)) return;
  RowBinaryReader r(answer_);
  std::string_view blob;
  while (!r.at_end() && r.string(blob))
    for_each_raw_record({reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()}, visit);
}

std::int64_t Reader::count_spans() {
  if (!http_.select("SELECT toInt64(count()) FROM " + t_.spans + " FORMAT RowBinary", answer_))
    return 0;
  RowBinaryReader r(answer_);
  std::int64_t n = 0;
  return r.i64(n) ? n : 0;
}

}  // namespace

std::unique_ptr<StoreReader> open_reader_of(const Endpoint& endpoint,
                                            std::chrono::milliseconds timeout, std::string& error) {
  auto r = std::make_unique<Reader>(endpoint, timeout);
  if (!r->check(error)) return nullptr;
  return r;
}

}  // namespace clt::collector::clickhouse
