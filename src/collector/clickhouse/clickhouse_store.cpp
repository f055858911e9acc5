#include "collector/clickhouse/clickhouse_store.h"

#include <algorithm>
#include <map>

#include "collector/clickhouse/clickhouse_reader.h"
#include "collector/clickhouse/key_columns.h"
#include "collector/clickhouse/row_binary.h"
#include "collector/clickhouse/sql_literal.h"
#include "collector/model/clock.h"
#include "collector/model/record_blob.h"
#include "ioam_api.pb.h"

namespace clt::collector::clickhouse {

namespace {

std::string insert_sql(const std::string& table, const char* columns) {
  return "INSERT INTO " + table + " (" + columns + ") FORMAT RowBinary";
}

void append_span(std::string& rows, const StoredSpan& s, std::int64_t written_us) {
  RowBinaryWriter(rows)
      .fixed(s.trace_id)
      .fixed(s.span_id)
      .fixed(s.parent_id)
      .string(s.service)
      .string(s.operation)
      .i64(s.start_ns)
      .i64(s.duration_ns)
      .string(s.otlp)
      .i64(written_us);
}

void append_index_row(std::string& rows, const StoredSpan& s) {
  RowBinaryWriter w(rows);
  w.string(s.service).string(s.operation).i64(s.start_ns).i64(s.duration_ns);
  w.fixed(s.trace_id).fixed(s.span_id);
  w.count(s.search_tags.size());
  for (const auto& tag : s.search_tags) w.string(tag.first);
  w.count(s.search_tags.size());
  for (const auto& tag : s.search_tags) w.string(tag.second);
}

// network and network_by_time: the same rows, ordered by id and by time.
constexpr const char* kNetworkColumns =
    "trace_id, span_id, start_us, duration_us, packets, summary, updated_us, direction";

// The keys as a literal set for `(trace_id, span_id, direction) IN ...`.
std::string key_set(std::span<const JoinKey> keys) {
  std::string out = "(";
  char trace[32], span[16];
  for (const JoinKey& k : keys) {
    core::to_hex(k.trace_id.data(), k.trace_id.size(), trace);
    core::to_hex(k.span_id.data(), k.span_id.size(), span);
    if (out.size() > 1) out += ", ";
    out += "(unhex('";
    out.append(trace, sizeof trace);
    out += "'), unhex('";
    out.append(span, sizeof span);
    out += "'), ";
    out += k.direction == core::Direction::kResponse ? '1' : '0';
    out += ")";
  }
  out += ")";
  return out;
}

// Keys per lookup query: about 60 bytes of SQL each, well under the
// server's max_query_size (256 KiB by default).
constexpr std::size_t kKeysPerQuery = 2000;

}  // namespace

bool ClickHouseStore::open(const StoreOptions& options, std::string& error) {
  options_ = options;
  http_ = std::make_unique<Http>(options.endpoint, options.timeout);
  tables_ = std::make_unique<Tables>(options.endpoint.database);
  if (!prepare_schema(*http_, *tables_, error)) return false;
  return true;
}

bool ClickHouseStore::insert(const std::string& sql, const std::string& rows) {
  if (http_->insert(sql, rows)) return true;
  failure_ = http_->failure();
  error_ = http_->error();
  return false;
}

bool ClickHouseStore::write(const StoreWrite& w) {
  if (w.empty()) return true;
  failure_ = Failure::none;
  const std::int64_t written = now_us();
  spans_rows_.clear();
  index_rows_.clear();
  for (const StoredSpan& s : w.spans) {
    append_span(spans_rows_, s, written);
    append_index_row(index_rows_, s);
  }
  network_rows_.clear();
  aggregate_rows_.clear();
  written_keys_.clear();
  // The last summary of a span in this write replaces any before it: rows
  // of one INSERT with the same version would leave the winner undefined.
  for (auto it = w.summaries.rbegin(); it != w.summaries.rend(); ++it) {
    const SummaryWrite& n = *it;
    if (!written_keys_.insert(n.summary.key).second) continue;
    if (!n.aggregate.empty())
      RowBinaryWriter(aggregate_rows_)
          .fixed(n.summary.key.trace_id)
          .fixed(n.summary.key.span_id)
          .string(n.aggregate)
          .i64(n.updated_us)
          .u8(direction_column(n.summary.key.direction));
    if (!n.network) continue;
    RowBinaryWriter(network_rows_)
        .fixed(n.summary.key.trace_id)
        .fixed(n.summary.key.span_id)
        .i64(n.summary.start_us)
        .i64(n.summary.duration_us)
        .u32(n.summary.packets)
        .string(n.json)
        .i64(n.updated_us)
        .u8(direction_column(n.summary.key.direction));
  }
  operations_rows_.clear();
  for (const auto& [service, operation] : w.operations)
    RowBinaryWriter(operations_rows_).string(service).string(operation);
  records_rows_.clear();
  for (const RecordWrite& r : w.records) {
    RowBinaryWriter(records_rows_)
        .fixed(r.key.trace_id)
        .fixed(r.key.span_id)
        .u8(r.ids_lost ? 1 : 0)
        .i64(r.first_received_us)
        .u32(r.count)
        .string(r.blob)
        .u8(direction_column(r.key.direction));
  }
  const Tables& t = *tables_;
  return insert(insert_sql(t.spans,
                           "trace_id, span_id, parent_id, service, operation, start_ns, "
                           "duration_ns, otlp, written_us"),
                spans_rows_) &&
         insert(insert_sql(t.span_index,
                           "service, operation, start_ns, duration_ns, trace_id, "
                           "span_id, tag_keys, tag_values"),
                index_rows_) &&
         insert(insert_sql(t.network, kNetworkColumns), network_rows_) &&
         insert(insert_sql(t.network_by_time, kNetworkColumns), network_rows_) &&
         insert(insert_sql(t.span_aggregates, "trace_id, span_id, data, updated_us, direction"),
                aggregate_rows_) &&
         insert(insert_sql(t.operations, "service, operation"), operations_rows_) &&
         insert(insert_sql(t.ioam_records,
                           "trace_id, span_id, ids_lost, received_us, count, data, direction"),
                records_rows_);
}

bool ClickHouseStore::select(const std::string& sql, std::string& answer) {
  if (http_->select(sql, answer)) return true;
  failure_ = http_->failure();
  error_ = http_->error();
  return false;
}

bool ClickHouseStore::network_packets(std::span<const JoinKey> keys, KeyPackets& out) {
  out.clear();
  std::string answer;
  for (std::size_t at = 0; at < keys.size(); at += kKeysPerQuery) {
    const auto part = keys.subspan(at, std::min(kKeysPerQuery, keys.size() - at));
    const std::string sql =
        "SELECT trace_id, span_id, direction, argMax(packets, updated_us) FROM " +
        tables_->network + " WHERE (trace_id, span_id, direction) IN " + key_set(part) +
        " GROUP BY trace_id, span_id, direction FORMAT RowBinary";
    if (!select(sql, answer)) return false;
    RowBinaryReader r(answer);
    while (!r.at_end()) {
      JoinKey k;
      std::uint32_t packets = 0;
      if (!read_key(r, k) || !r.u32(packets)) break;
      out[k] = packets;
    }
  }
  return true;
}

bool ClickHouseStore::span_aggregates(std::span<const JoinKey> keys, KeyAggregates& out) {
  out.clear();
  std::string answer;
  for (std::size_t at = 0; at < keys.size(); at += kKeysPerQuery) {
    const auto part = keys.subspan(at, std::min(kKeysPerQuery, keys.size() - at));
    const std::string sql = "SELECT trace_id, span_id, direction, argMax(data, updated_us) FROM " +
                            tables_->span_aggregates + " WHERE (trace_id, span_id, direction) IN " +
                            key_set(part) +
                            " GROUP BY trace_id, span_id, direction FORMAT RowBinary";
    if (!select(sql, answer)) return false;
    RowBinaryReader r(answer);
    while (!r.at_end()) {
      JoinKey k;
      std::string_view data;
      if (!read_key(r, k) || !r.string(data)) break;
      out[k].assign(data);
    }
  }
  return true;
}

bool ClickHouseStore::load_records(const JoinKey& key, std::vector<PacketMeta>& metas,
                                   std::vector<HopSample>& hops, bool& ids_lost) {
  metas.clear();
  hops.clear();
  ids_lost = false;
  std::string answer;
  const std::string sql = "SELECT ids_lost, data FROM " + tables_->ioam_records +
                          " WHERE trace_id = " + id_literal(key.trace_id) +
                          " AND span_id = " + id_literal(key.span_id) +
                          " AND direction = " + std::to_string(direction_column(key.direction)) +
                          " ORDER BY received_us FORMAT RowBinary";
  if (!http_->select(sql, answer)) {
    failure_ = http_->failure();
    error_ = http_->error();
    return false;
  }
  RowBinaryReader r(answer);
  ioam_api::IOAMTrace report;
  std::string error;
  bool ok = true;
  while (!r.at_end()) {
    std::uint8_t lost = 0;
    std::string_view blob;
    if (!r.u8(lost) || !r.string(blob)) return false;
    ids_lost = lost != 0;
    ok &= for_each_raw_record(
        {reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()},
        [&](std::int64_t received, std::string_view bytes) {
          if (!report.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
          JoinKey k;
          PacketMeta m;
          if (read_report(report, received, k, m, hops, error)) metas.push_back(m);
        });
  }
  return ok;
}

namespace {

// Rows of (trace_id, span_id, UInt64) in RowBinary.
std::map<JoinKey, std::uint64_t> read_key_values(const std::string& answer) {
  std::map<JoinKey, std::uint64_t> out;
  RowBinaryReader r(answer);
  while (!r.at_end()) {
    JoinKey k;
    std::uint64_t n = 0;
    if (!read_key(r, k) || !r.u64(n)) break;
    out[k] = n;
  }
  return out;
}

}  // namespace

std::vector<JoinKey> ClickHouseStore::keys_needing_summary(std::int64_t since_us) {
  // The reports' packet counts beside their summary's, compared here: one
  // query each on every server version.
  // Spans with a stored aggregate are left out: their records are samples.
  const std::string since = std::to_string(since_us);
  const std::string received =
      "SELECT trace_id, span_id, direction, sum(count) FROM " + tables_->ioam_records +
      " WHERE received_us >= " + since +
      " AND (trace_id, span_id, direction) NOT IN (SELECT trace_id, span_id, direction FROM " +
      tables_->span_aggregates +
      " WHERE (trace_id, span_id, direction) IN (SELECT trace_id, span_id, direction FROM " +
      tables_->ioam_records + " WHERE received_us >= " + since +
      ")) GROUP BY trace_id, span_id, direction FORMAT RowBinary";
  const std::string summarized =
      "SELECT trace_id, span_id, direction, toUInt64(argMax(packets, updated_us)) FROM " +
      tables_->network +
      " WHERE (trace_id, span_id, direction) IN (SELECT trace_id, span_id, direction FROM " +
      tables_->ioam_records + " WHERE received_us >= " + std::to_string(since_us) +
      ") GROUP BY trace_id, span_id, direction FORMAT RowBinary";
  std::vector<JoinKey> keys;
  std::string a, b;
  if (!http_->select(received, a) || !http_->select(summarized, b)) return keys;
  const auto counted = read_key_values(a), packets = read_key_values(b);
  for (const auto& [k, n] : counted) {
    auto it = packets.find(k);
    if (it == packets.end() || it->second != n) keys.push_back(k);
  }
  return keys;
}

std::vector<JoinKey> ClickHouseStore::keys_needing_network(std::int64_t since_us) {
  const std::string recent = "SELECT trace_id, span_id, direction FROM " +
                             tables_->span_aggregates +
                             " WHERE updated_us >= " + std::to_string(since_us);
  const std::string aggregated =
      "SELECT trace_id, span_id, direction, toUInt64(max(updated_us)) FROM " +
      tables_->span_aggregates + " WHERE updated_us >= " + std::to_string(since_us) +
      " GROUP BY trace_id, span_id, direction FORMAT RowBinary";
  const std::string networked =
      "SELECT trace_id, span_id, direction, toUInt64(max(updated_us)) FROM " + tables_->network +
      " WHERE (trace_id, span_id, direction) IN (" + recent +
      ") GROUP BY trace_id, span_id, direction FORMAT RowBinary";
  std::vector<JoinKey> keys;
  std::string a, b;
  if (!http_->select(aggregated, a) || !http_->select(networked, b)) return keys;
  const auto aggregates = read_key_values(a), networks = read_key_values(b);
  for (const auto& [k, updated] : aggregates) {
    auto it = networks.find(k);
    if (it == networks.end() || it->second < updated) keys.push_back(k);
  }
  return keys;
}

std::vector<std::pair<std::string, std::string>> ClickHouseStore::operations() {
  std::vector<std::pair<std::string, std::string>> out;
  std::string answer;
  if (!http_->select(
          "SELECT DISTINCT service, operation FROM " + tables_->operations + " FORMAT RowBinary",
          answer))
    return out;
  RowBinaryReader r(answer);
  while (!r.at_end()) {
    std::string service, operation;
    if (!r.string(service) || !r.string(operation)) break;
    out.emplace_back(std::move(service), std::move(operation));
  }
  return out;
}

std::optional<std::int64_t> ClickHouseStore::single_value(const std::string& sql) {
  std::string answer;
  if (!http_->select(sql + " FORMAT RowBinary", answer)) return std::nullopt;
  RowBinaryReader r(answer);
  std::int64_t v = 0;
  if (!r.i64(v)) return std::nullopt;  // no row: nothing stored
  return v;
}

std::int64_t ClickHouseStore::delete_older_than(std::int64_t cutoff_us) {
  // Whole days before the cutoff's: a partition holds one day of one table.
  const std::string& db = options_.endpoint.database;
  const std::string day =
      "toYYYYMMDD(toDateTime(intDiv(" + std::to_string(cutoff_us) + ", 1000000)))";
  std::string answer;
  const std::string sql =
      "SELECT table, partition, toInt64(sum(rows)) FROM system.parts WHERE database = " +
      quote(db) +
      " AND active AND table IN ('spans', 'span_index', 'network', 'network_by_time', "
      "'ioam_records', 'span_aggregates') AND "
      "toUInt32(partition) < " +
      day + " GROUP BY table, partition FORMAT RowBinary";
  if (!http_->select(sql, answer)) return 0;
  RowBinaryReader r(answer);
  std::int64_t deleted = 0;
  while (!r.at_end()) {
    std::string table, partition;
    std::int64_t rows = 0;
    if (!r.string(table) || !r.string(partition) || !r.i64(rows)) break;
    // The partition id of a toYYYYMMDD key is the day's number, spelled bare.
    if (partition.empty() || partition.find_first_not_of("0123456789") != std::string::npos)
      continue;
    if (!http_->execute("ALTER TABLE " + db + "." + table + " DROP PARTITION " + partition)) {
      failure_ = http_->failure();
      error_ = http_->error();
      continue;
    }
    // Rows, not copies: the index tables repeat rows of the others.
    if (table != "span_index" && table != "span_aggregates" && table != "network_by_time")
      deleted += rows;
  }
  return deleted;
}

std::optional<std::int64_t> ClickHouseStore::oldest_us() {
  const Tables& t = *tables_;
  return single_value("SELECT min(v) FROM (SELECT intDiv(min(start_ns), 1000) AS v FROM " +
                      t.spans + " HAVING count() > 0 UNION ALL SELECT min(received_us) AS v FROM " +
                      t.ioam_records +
                      " HAVING count() > 0 UNION ALL SELECT min(updated_us) AS v FROM " +
                      t.network + " HAVING count() > 0) HAVING count() > 0");
}

std::optional<std::int64_t> ClickHouseStore::newest_us() {
  const Tables& t = *tables_;
  return single_value("SELECT max(v) FROM (SELECT intDiv(max(start_ns), 1000) AS v FROM " +
                      t.spans + " HAVING count() > 0 UNION ALL SELECT max(received_us) AS v FROM " +
                      t.ioam_records +
                      " HAVING count() > 0 UNION ALL SELECT max(updated_us) AS v FROM " +
                      t.network + " HAVING count() > 0) HAVING count() > 0");
}

std::int64_t ClickHouseStore::used_bytes() {
  return single_value(
             "SELECT toInt64(sum(bytes_on_disk)) FROM system.parts WHERE "
             "active AND database = " +
             quote(options_.endpoint.database))
      .value_or(0);
}

std::unique_ptr<StoreReader> ClickHouseStore::open_reader(std::string& error) {
  return open_reader_of(options_.endpoint, options_.timeout, error);
}

}  // namespace clt::collector::clickhouse
