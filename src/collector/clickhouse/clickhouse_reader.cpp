#include "collector/clickhouse/clickhouse_reader.h"

#include <span>
#include <unordered_set>

#include "collector/clickhouse/clickhouse_http.h"
#include "collector/clickhouse/clickhouse_schema.h"
#include "collector/clickhouse/key_columns.h"
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

// Trace ids as a literal set for `trace_id IN ...`.
std::string trace_id_set(std::span<const core::TraceId> ids) {
  std::string out = "(";
  for (const core::TraceId& id : ids) {
    if (out.size() > 1) out += ", ";
    out += id_literal(id);
  }
  return out + ")";
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
  bool traces_spans(std::span<const core::TraceId> ids, std::vector<StoredSpan>& out,
                    std::size_t max_bytes) override;
  void traces_networks(std::span<const core::TraceId> ids,
                       std::vector<NetworkSummary>& out) override;
  void find_traces(const SpanSearch& search, std::vector<core::TraceId>& out) override;
  void scan_networks(std::int64_t start_us, std::int64_t end_us,
                     const std::function<bool(const NetworkSummary&)>& visit) override;
  void records(const JoinKey& key,
               const std::function<void(std::int64_t, std::string_view)>& visit) override;
  std::int64_t count_spans() override;

 private:
  bool list(const std::string& sql, std::vector<std::string>& out, std::size_t max_bytes);
  bool read_spans(const std::string& sql, std::vector<StoredSpan>& out, std::size_t max_bytes);
  void read_networks(const std::string& sql, std::vector<NetworkSummary>& out);

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
  return read_spans(
      "SELECT trace_id, span_id, parent_id, service, operation, start_ns, duration_ns, otlp "
      "FROM " +
          t_.spans + " WHERE trace_id = " + id_literal(id) +
          " ORDER BY span_id, written_us DESC LIMIT 1 BY span_id FORMAT RowBinary",
      out, max_bytes);
}

bool Reader::traces_spans(std::span<const core::TraceId> ids, std::vector<StoredSpan>& out,
                          std::size_t max_bytes) {
  if (ids.empty()) return true;
  // Each trace's spans in the order trace_spans gives them.
  return read_spans(
      "SELECT trace_id, span_id, parent_id, service, operation, start_ns, duration_ns, otlp "
      "FROM " +
          t_.spans + " WHERE trace_id IN " + trace_id_set(ids) +
          " ORDER BY trace_id, span_id, written_us DESC LIMIT 1 BY trace_id, span_id "
          "FORMAT RowBinary",
      out, max_bytes);
}

bool Reader::read_spans(const std::string& sql, std::vector<StoredSpan>& out,
                        std::size_t max_bytes) {
  if (!http_.select(sql, answer_)) return true;
  RowBinaryReader r(answer_);
  std::size_t bytes = 0;
  while (!r.at_end()) {
    StoredSpan s;
    if (!r.fixed(s.trace_id) || !r.fixed(s.span_id) || !r.fixed(s.parent_id) ||
        !r.string(s.service) || !r.string(s.operation) || !r.i64(s.start_ns) ||
        !r.i64(s.duration_ns) || !r.string(s.otlp))
      break;
    bytes += s.answer_bytes();
    out.push_back(std::move(s));
    if (bytes > max_bytes) return false;
  }
  return true;
}

void Reader::trace_networks(const core::TraceId& id, std::vector<NetworkSummary>& out) {
  read_networks("SELECT argMax(summary, updated_us) FROM " + t_.network +
                    " WHERE trace_id = " + id_literal(id) +
                    " GROUP BY span_id, direction ORDER BY span_id, direction FORMAT RowBinary",
                out);
}

void Reader::traces_networks(std::span<const core::TraceId> ids, std::vector<NetworkSummary>& out) {
  if (ids.empty()) return;
  read_networks("SELECT argMax(summary, updated_us) FROM " + t_.network + " WHERE trace_id IN " +
                    trace_id_set(ids) +
                    " GROUP BY trace_id, span_id, direction ORDER BY trace_id, span_id, direction "
                    "FORMAT RowBinary",
                out);
}

void Reader::read_networks(const std::string& sql, std::vector<NetworkSummary>& out) {
  if (!http_.select(sql, answer_)) return;
  RowBinaryReader r(answer_);
  std::string json;
  while (!r.at_end() && r.string(json)) {
    NetworkSummary s;
    if (summary_from_json(json, s)) out.push_back(std::move(s));
  }
}

void Reader::find_traces(const SpanSearch& q, std::vector<core::TraceId>& out) {
  std::string filter;
  if (!q.service.empty()) filter += " AND service = " + quote(q.service);
  if (!q.operation.empty()) filter += " AND operation = " + quote(q.operation);
  if (q.min_duration_us)
    filter += " AND duration_ns >= " + std::to_string(us_to_ns(*q.min_duration_us));
  if (q.max_duration_us)
    filter += " AND duration_ns <= " + std::to_string(us_to_ns(*q.max_duration_us));
  for (const auto& [k, v] : q.tags)
    filter += " AND arrayExists((k, v) -> k = " + quote(k) + " AND v = " + quote(v) +
              ", tag_keys, tag_values)";
  // The newest matching spans (at most max_scanned_spans), then their
  // traces, newest first. Asked of the newest part of the time range first,
  // then of more of it: a trace's newest span there is newer than any
  // outside, so once that part holds `limit` traces they are the answer,
  // and span_index, ordered by (service, start_ns), reads only that part.
  const std::int64_t first = us_to_ns(q.start_us), last = us_to_ns(q.end_us);
  if (last < first) return;
  const std::uint64_t range = static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(first);
  std::uint64_t width = 10'000'000'000;  // 10 s
  std::vector<core::TraceId> found;
  for (;;) {
    const bool whole = width >= range;
    const std::int64_t from = whole ? first : last - static_cast<std::int64_t>(width);
    const std::string sql = "SELECT trace_id FROM (SELECT trace_id, start_ns FROM " +
                            t_.span_index + " WHERE start_ns >= " + std::to_string(from) +
                            " AND start_ns <= " + std::to_string(last) + filter +
                            " ORDER BY start_ns DESC LIMIT " + std::to_string(q.max_scanned_spans) +
                            ") GROUP BY trace_id ORDER BY max(start_ns) DESC LIMIT " +
                            std::to_string(q.limit) + " FORMAT RowBinary";
    if (!http_.select(sql, answer_)) return;
    found.clear();
    RowBinaryReader r(answer_);
    while (!r.at_end() && found.size() < q.limit) {
      core::TraceId id;
      if (!r.fixed(id)) break;
      found.push_back(id);
    }
    if (whole || found.size() >= q.limit) break;
    width = width > range / 8 ? range : width * 8;
  }
  out.insert(out.end(), found.begin(), found.end());
}

void Reader::scan_networks(std::int64_t start_us, std::int64_t end_us,
                           const std::function<bool(const NetworkSummary&)>& visit) {
  // network_by_time is ordered by start_us, so a time range is a range of
  // its primary key. Pages of growing size (most scans stop early), each in
  // two queries: the start of the page's oldest summary from the start_us
  // column alone, then the summaries from there to the page's newest. A
  // summary rewritten by late packets is there once per write until
  // ClickHouse merges them: the first met (the newest start, then the
  // newest write) is the summary.
  std::size_t page = 256;
  std::int64_t newest = end_us;
  std::unordered_set<JoinKey, JoinKeyHash> seen;
  NetworkSummary n;
  while (newest >= start_us) {
    const std::string range = " WHERE start_us >= " + std::to_string(start_us) +
                              " AND start_us <= " + std::to_string(newest);
    if (!http_.select("SELECT start_us FROM " + t_.network_by_time + range +
                          " ORDER BY start_us DESC LIMIT " + std::to_string(page) +
                          " FORMAT RowBinary",
                      answer_))
      return;
    std::size_t rows = 0;
    std::int64_t oldest = start_us;
    for (RowBinaryReader r(answer_); !r.at_end() && r.i64(oldest);) ++rows;
    if (rows < page) oldest = start_us;  // the rest of the range is in this page
    if (rows == 0) return;
    if (!http_.select("SELECT trace_id, span_id, direction, summary FROM " + t_.network_by_time +
                          " WHERE start_us >= " + std::to_string(oldest) +
                          " AND start_us <= " + std::to_string(newest) +
                          " ORDER BY start_us DESC, updated_us DESC FORMAT RowBinary",
                      answer_))
      return;
    RowBinaryReader r(answer_);
    JoinKey key;
    std::string_view json;
    while (!r.at_end() && read_key(r, key) && r.string(json)) {
      if (!seen.insert(key).second) continue;
      if (!summary_from_json(std::string(json), n)) continue;
      if (!visit(n)) return;
    }
    if (oldest == INT64_MIN) return;
    newest = oldest - 1;
    page = std::min<std::size_t>(page * 4, 65'536);
  }
}

void Reader::records(const JoinKey& key,
                     const std::function<void(std::int64_t, std::string_view)>& visit) {
  const std::string sql = "SELECT data FROM " + t_.ioam_records +
                          " WHERE trace_id = " + id_literal(key.trace_id) +
                          " AND span_id = " + id_literal(key.span_id) +
                          " AND direction = " + std::to_string(direction_column(key.direction)) +
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
