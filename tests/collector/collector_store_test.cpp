#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "collector/clickhouse/clickhouse_http.h"
#include "collector/clickhouse/clickhouse_store.h"
#include "collector/model/otlp_export.h"
#include "collector/query/query_service.h"
#include "collector/store/sqlite_db.h"
#include "collector/store/sqlite_store.h"
#include "collector/store_writer_loop.h"
#include "collector_test_util.h"

namespace clt::collector {
namespace {

using nlohmann::json;
using testing::add_to_batch;
using testing::make_report;
using testing::span_summary;

constexpr const char* kTrace = "0af7651916cd43dd8448eb211c80319c";
constexpr const char* kSpan = "b7ad6b7169203331";

// A span as a database of schema version 1 kept it, in its OTLP form.
StoredSpan app_span(const std::string& service, const std::string& op, const char* span_hex,
                    std::int64_t start, std::int64_t duration, const std::string& tags = "[]",
                    const char* trace_hex = kTrace) {
  JaegerSpan r;
  r.trace_id = *core::parse_trace_id(trace_hex);
  r.span_id = *core::parse_span_id(span_hex);
  r.service = service;
  r.operation = op;
  r.start_us = start;
  r.duration_us = duration;
  r.tags_json = tags;
  StoredSpan s;
  jaeger_to_stored(r, s);
  return s;
}

// The same cases run against each Store: SQLite in a temporary file, and
// ClickHouse in a database of its own on the server CLT_CLICKHOUSE_URL names
// (tests/support/clickhouse_server.py starts one: ctest's
// collector_clickhouse_store).
class StoreTest : public ::testing::TestWithParam<const char*> {
 protected:
  bool clickhouse() const { return std::string(GetParam()) == "clickhouse"; }
  std::string test_name() const {
    std::string n = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : n)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return n;
  }
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("clt-collector-store-test-" + std::to_string(::getpid()) + "-" + test_name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    options_.path = (dir_ / "c.db").string();
    if (clickhouse()) {
      const char* url = std::getenv("CLT_CLICKHOUSE_URL");
      ASSERT_TRUE(url)
          << "CLT_CLICKHOUSE_URL is not set: run these through "
             "tests/support/clickhouse_server.py (ctest -R collector_clickhouse_store)";
      std::string error;
      auto endpoint = clickhouse::parse_endpoint(url, error);
      ASSERT_TRUE(endpoint) << error;
      endpoint->database = "store_test_" + std::to_string(::getpid()) + "_" + test_name();
      clickhouse_.endpoint = *endpoint;
      clickhouse::Http http(*endpoint, std::chrono::seconds(10));
      ASSERT_TRUE(http.execute("DROP DATABASE IF EXISTS " + endpoint->database)) << http.error();
    }
    names_.set(1, "athos");
    names_.set(2, "porthos");
    names_.set(3, "aramis");
    open();
  }
  void TearDown() override {
    loop_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
    if (clickhouse()) {
      clickhouse::Http http(clickhouse_.endpoint, std::chrono::seconds(10));
      http.execute("DROP DATABASE IF EXISTS " + clickhouse_.endpoint.database);
    }
  }
  void open() {
    loop_.reset();
    std::string error;
    if (clickhouse()) {
      auto s = std::make_unique<clickhouse::ClickHouseStore>();
      ASSERT_TRUE(s->open(clickhouse_, error)) << error;
      store_ = std::move(s);
    } else {
      auto s = std::make_unique<SqliteStore>();
      ASSERT_TRUE(s->open(options_, error)) << error;
      store_ = std::move(s);
    }
    WriterOptions wo;
    wo.join.quiet_us = 1000;
    loop_ = std::make_unique<StoreWriterLoop>(queue_, *store_, names_, metrics_, nullptr, wo);
  }
  ReaderFactory readers() const {
    return [this](std::string& e) { return store_->open_reader(e); };
  }
  json trace_json() {
    ReaderPool pool(readers());
    QueryService q(pool);
    std::string body;
    EXPECT_EQ(q.trace(kTrace, body), 200) << body;
    return json::parse(body)["data"][0];
  }

  std::filesystem::path dir_;
  StoreOptions options_;
  clickhouse::StoreOptions clickhouse_;
  NodeNames names_;
  Metrics metrics_;
  IngestQueue queue_{1 << 20, metrics_};
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreWriterLoop> loop_;
};

std::map<std::string, json> spans_by_operation(const json& trace) {
  std::map<std::string, json> out;
  for (const auto& s : trace["spans"]) out[s["operationName"]] = s;
  return out;
}

TEST_P(StoreTest, ReportsBeforeOrAfterTheSpanGiveTheSameTrace) {
  // Order 1: reports first, then the application span.
  IngestBatch b;
  add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 200}, {3, 100, 230}}), 1000);
  ASSERT_TRUE(loop_->process(b, 1000));
  IngestBatch b2;
  b2.spans.push_back(app_span("api", "GET /check", kSpan, 99'999'000, 5000));
  ASSERT_TRUE(loop_->process(b2, 5000));  // quiet long enough: summary written
  json first = trace_json();

  // Order 2, in a fresh database: span first, then reports.
  TearDown();
  SetUp();
  IngestBatch c;
  c.spans.push_back(app_span("api", "GET /check", kSpan, 99'999'000, 5000));
  ASSERT_TRUE(loop_->process(c, 1000));
  IngestBatch c2;
  add_to_batch(c2, make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 200}, {3, 100, 230}}), 1000);
  ASSERT_TRUE(loop_->process(c2, 1000));
  ASSERT_TRUE(loop_->flush_all(9000));
  json second = trace_json();

  EXPECT_EQ(first["spans"].size(), 5u);
  auto a = spans_by_operation(first);
  auto z = spans_by_operation(second);
  ASSERT_EQ(a.size(), z.size());
  for (const auto& [op, span] : a) {
    ASSERT_TRUE(z.count(op)) << op;
    EXPECT_EQ(span["spanID"], z[op]["spanID"]);
    EXPECT_EQ(span["tags"], z[op]["tags"]);
    EXPECT_EQ(span["references"], z[op]["references"]);
  }
  EXPECT_EQ(a["network path"]["references"][0]["spanID"], kSpan);
  EXPECT_EQ(a["hop 3 aramis"]["references"][0]["spanID"], a["network path"]["spanID"]);
}

TEST_P(StoreTest, LatePacketsRewriteTheSummaryWithAllPackets) {
  IngestBatch b;
  add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 100}}), 1000);
  ASSERT_TRUE(loop_->process(b, 1000));
  ASSERT_TRUE(loop_->flush_all(3000));
  IngestBatch late;
  add_to_batch(late, make_report(kTrace, kSpan, {{1, 100, 500}, {2, 100, 800}}), 4000);
  add_to_batch(late, make_report(kTrace, kSpan, {{1, 100, 900}, {2, 100, 1200}}), 4000);
  ASSERT_TRUE(loop_->process(late, 4000));
  ASSERT_TRUE(loop_->flush_all(9000));
  auto spans = spans_by_operation(trace_json());
  ASSERT_TRUE(spans.count("hop 2 porthos"));
  std::map<std::string, json> tags;
  for (auto& t : spans["hop 2 porthos"]["tags"]) tags[t["key"]] = t["value"];
  EXPECT_EQ(tags["ioam.packets"], 3);
  EXPECT_EQ(tags["ioam.delay_us"], 300);  // median of 100, 300, 300
}

// Span summaries are acknowledged once their aggregate is stored; their
// network row waits for the span to go quiet. A crash in between: the next
// start derives it from the stored aggregate.
TEST_P(StoreTest, RecoveryWritesNetworkRowsOfStoredAggregates) {
  IngestBatch b;
  b.summaries.push_back(span_summary(kTrace, kSpan, 6));
  ASSERT_TRUE(loop_->process(b, now_us()));  // acknowledged, not yet quiet
  const JoinKey key = b.summaries[0].key;
  KeyPackets networks;
  ASSERT_TRUE(store_->network_packets({&key, 1}, networks));
  EXPECT_TRUE(networks.empty());
  open();  // a new process on the same file
  loop_->recover();
  auto spans = spans_by_operation(trace_json());
  ASSERT_TRUE(spans.count("network path"));
  std::map<std::string, json> tags;
  for (auto& t : spans["network path"]["tags"]) tags[t["key"]] = t["value"];
  EXPECT_EQ(tags["ioam.packets"], 6);
  // Written now: the next start finds nothing to do.
  open();
  EXPECT_TRUE(store_->keys_needing_network(0).empty());
}

ioam_api::IOAMTrace response_report(std::vector<testing::NodeSpec> nodes) {
  ioam_api::IOAMTrace r = make_report(kTrace, kSpan, nodes);
  r.set_direction(ioam_api::CLT_DIRECTION_RESPONSE);
  return r;
}

// One span, its request and its response: two network spans, each with its
// hops in its own order, its own packets, its own raw records; and recovery
// after a crash summarizes each direction apart.
TEST_P(StoreTest, ARequestAndItsResponseAreStoredApart) {
  IngestBatch b;
  add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 100}, {3, 100, 150}}), 1000);
  add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 10}, {2, 100, 110}, {3, 100, 160}}), 1000);
  add_to_batch(b, response_report({{3, 100, 400}, {2, 100, 470}, {1, 100, 480}}), 1000);
  ASSERT_TRUE(loop_->process(b, 1000));
  ASSERT_TRUE(loop_->flush_all(3000));
  std::map<std::string, json> networks;
  std::map<std::string, std::vector<std::string>> hops;
  const json trace = trace_json();
  std::map<std::string, std::string> direction_of_span;
  for (const auto& s : trace["spans"]) {
    std::map<std::string, json> tags;
    for (auto& t : s["tags"]) tags[t["key"]] = t["value"];
    if (tags["ioam.kind"] == "network") {
      networks[tags["ioam.direction"]] = tags;
      direction_of_span[s["spanID"]] = tags["ioam.direction"];
    }
  }
  for (const auto& s : trace["spans"])
    for (const auto& r : s["references"])
      if (direction_of_span.count(r["spanID"]))
        hops[direction_of_span[r["spanID"]]].push_back(s["operationName"]);
  ASSERT_EQ(networks.size(), 2u) << trace.dump();
  EXPECT_EQ(networks["request"]["ioam.path"], "athos > porthos > aramis");
  EXPECT_EQ(networks["request"]["ioam.packets"], 2);
  EXPECT_EQ(networks["response"]["ioam.path"], "aramis > porthos > athos");
  EXPECT_EQ(networks["response"]["ioam.packets"], 1);
  std::sort(hops["response"].begin(), hops["response"].end());
  EXPECT_EQ(hops["response"],
            (std::vector<std::string>{"hop 1 aramis", "hop 2 porthos", "hop 3 athos"}));

  ReaderPool pool(readers());
  QueryService q(pool);
  std::string body;
  ASSERT_EQ(q.ioam_records(kTrace, kSpan, "response", body), 200) << body;
  EXPECT_EQ(json::parse(body)["data"].size(), 1u);
  ASSERT_EQ(q.ioam_records(kTrace, kSpan, "request", body), 200) << body;
  EXPECT_EQ(json::parse(body)["data"].size(), 2u);
  EXPECT_EQ(q.ioam_records(kTrace, kSpan, "sideways", body), 400);

  // Stored, not summarized, then a crash: recovery finds both directions.
  IngestBatch more;
  const char* other = "00f067aa0ba902b7";
  add_to_batch(more, make_report(kTrace, other, {{1, 100, 0}, {2, 100, 100}}), now_us());
  ioam_api::IOAMTrace back = make_report(kTrace, other, {{2, 100, 0}, {1, 100, 100}});
  back.set_direction(ioam_api::CLT_DIRECTION_RESPONSE);
  add_to_batch(more, back, now_us());
  ASSERT_TRUE(loop_->process(more, now_us()));
  open();
  loop_->recover();
  int recovered = 0;
  const json after = trace_json();
  for (const auto& s : after["spans"])
    for (const auto& r : s["references"])
      if (r["spanID"] == other) ++recovered;
  EXPECT_EQ(recovered, 2) << "a network span per direction under " << other << ": " << after.dump();
}

// A database of schema version 2 (one network row per span, no direction)
// with a summary in it: opened, it is migrated; the summary is the request,
// and the response of the same span is stored beside it.
TEST_P(StoreTest, ADatabaseOfSchemaVersion2IsMigratedToDirections) {
  loop_.reset();
  store_.reset();
  const std::string summary =
      R"({"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331",)"
      R"("ids_lost":false,"overflow":false,"packets":7,"path":"athos > aramis",)"
      R"("start_us":100,"duration_us":50,"hops":[]})";
  if (clickhouse()) {
    clickhouse::Http http(clickhouse_.endpoint, std::chrono::seconds(10));
    const std::string db = clickhouse_.endpoint.database;
    const std::string ddl[] = {
        "DROP DATABASE IF EXISTS " + db,
        "CREATE DATABASE " + db,
        "CREATE TABLE " + db +
            ".schema_version (version UInt32, applied_us Int64) ENGINE = MergeTree ORDER BY "
            "version",
        "INSERT INTO " + db + ".schema_version VALUES (1, 0), (2, 0)",
        "CREATE TABLE " + db +
            ".network (trace_id FixedString(16), span_id FixedString(8), start_us Int64, "
            "duration_us Int64, packets UInt32, summary String, updated_us Int64) ENGINE = "
            "ReplacingMergeTree(updated_us) PARTITION BY toYYYYMMDD(toDateTime(intDiv(updated_us, "
            "1000000))) ORDER BY (trace_id, span_id)",
        "CREATE TABLE " + db +
            ".ioam_records (trace_id FixedString(16), span_id FixedString(8), ids_lost UInt8, "
            "received_us Int64, count UInt32, data String) ENGINE = MergeTree PARTITION BY "
            "toYYYYMMDD(toDateTime(intDiv(received_us, 1000000))) ORDER BY (trace_id, span_id, "
            "received_us)",
        "CREATE TABLE " + db +
            ".span_aggregates (trace_id FixedString(16), span_id FixedString(8), data String, "
            "updated_us Int64) ENGINE = ReplacingMergeTree(updated_us) PARTITION BY "
            "toYYYYMMDD(toDateTime(intDiv(updated_us, 1000000))) ORDER BY (trace_id, span_id)",
        "CREATE TABLE " + db +
            ".spans (trace_id FixedString(16), span_id FixedString(8), parent_id FixedString(8), "
            "service String, operation String, start_ns Int64, duration_ns Int64, otlp String, "
            "written_us Int64) ENGINE = ReplacingMergeTree(written_us) ORDER BY (trace_id, "
            "span_id)",
        "CREATE TABLE " + db +
            ".span_index (service String, operation String, start_ns Int64, duration_ns Int64, "
            "trace_id FixedString(16), span_id FixedString(8), tag_keys Array(String), "
            "tag_values Array(String)) ENGINE = MergeTree ORDER BY (service, start_ns)",
        "CREATE TABLE " + db +
            ".operations (service String, operation String) ENGINE = ReplacingMergeTree ORDER BY "
            "(service, operation)",
        "INSERT INTO " + db + ".network VALUES (unhex('" + kTrace + "'), unhex('" + kSpan +
            "'), 100, 50, 7, '" + summary + "', 1700000000000000)",
    };
    for (const std::string& sql : ddl)
      ASSERT_TRUE(http.execute(sql)) << sql << ": " << http.error();
  } else {
    std::filesystem::remove(options_.path);
    SqliteDb db;
    std::string error;
    ASSERT_TRUE(db.open(options_.path, false, error)) << error;
    const std::string ddl =
        "CREATE TABLE spans(id INTEGER PRIMARY KEY, trace_id BLOB NOT NULL, span_id BLOB NOT "
        "NULL, parent_id BLOB, service TEXT NOT NULL, operation TEXT NOT NULL, start_ns INTEGER "
        "NOT NULL, duration_ns INTEGER NOT NULL, otlp BLOB NOT NULL);"
        "CREATE UNIQUE INDEX spans_id ON spans(trace_id, span_id);"
        "CREATE TABLE span_tags(span_row INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT "
        "NULL, PRIMARY KEY(key, value, span_row)) WITHOUT ROWID;"
        "CREATE TABLE operations(service TEXT NOT NULL, operation TEXT NOT NULL, "
        "PRIMARY KEY(service, operation)) WITHOUT ROWID;"
        "CREATE TABLE network(trace_id BLOB NOT NULL, span_id BLOB NOT NULL, start_us INTEGER "
        "NOT NULL, duration_us INTEGER NOT NULL, packets INTEGER NOT NULL, summary TEXT NOT "
        "NULL, updated_us INTEGER NOT NULL, PRIMARY KEY(trace_id, span_id));"
        "CREATE TABLE ioam_records(id INTEGER PRIMARY KEY, trace_id BLOB NOT NULL, span_id BLOB "
        "NOT NULL, ids_lost INTEGER NOT NULL, received_us INTEGER NOT NULL, count INTEGER NOT "
        "NULL, data BLOB NOT NULL);"
        "CREATE INDEX ioam_records_key ON ioam_records(trace_id, span_id);"
        "INSERT INTO network VALUES(x'" +
        std::string(kTrace) + "', x'" + kSpan + "', 100, 50, 7, '" + summary +
        "', 1700000000000000);"
        "PRAGMA user_version=2;";
    ASSERT_TRUE(db.exec(ddl.c_str(), error)) << error;
  }
  open();
  const JoinKey request{*core::parse_trace_id(kTrace), *core::parse_span_id(kSpan)};
  JoinKey response = request;
  response.direction = core::Direction::kResponse;
  const JoinKey keys[] = {request, response};
  KeyPackets packets;
  ASSERT_TRUE(store_->network_packets(keys, packets)) << store_->last_error();
  EXPECT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[request], 7u);
  IngestBatch b;
  add_to_batch(b, response_report({{3, 100, 400}, {1, 100, 480}}), 1000);
  ASSERT_TRUE(loop_->process(b, 1000));
  ASSERT_TRUE(loop_->flush_all(3000));
  ASSERT_TRUE(store_->network_packets(keys, packets)) << store_->last_error();
  EXPECT_EQ(packets[request], 7u);
  EXPECT_EQ(packets[response], 1u);
  std::map<std::string, std::string> paths;
  const json trace = trace_json();
  for (const auto& span : trace["spans"]) {
    std::map<std::string, json> tags;
    for (auto& t : span["tags"]) tags[t["key"]] = t["value"];
    if (tags["ioam.kind"] == "network") paths[tags["ioam.direction"]] = tags["ioam.path"];
  }
  EXPECT_EQ(paths, (std::map<std::string, std::string>{{"request", "athos > aramis"},
                                                       {"response", "aramis > athos"}}))
      << trace.dump();
}

TEST_P(StoreTest, RecoveryWritesSummariesMissingAfterACrash) {
  IngestBatch b;
  add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 100}}), now_us());
  ASSERT_TRUE(loop_->process(b, now_us()));  // stored, not yet summarized
  open();                                    // a new process on the same file
  loop_->recover();
  auto spans = spans_by_operation(trace_json());
  EXPECT_TRUE(spans.count("network path"));
  EXPECT_TRUE(spans.count("hop 2 porthos"));
}

// The writer's lookups, many keys at once: the newest aggregate and packet
// count of each span that has one, nothing for the others; and a span with
// an aggregate is not one recovery summarizes from its records.
TEST_P(StoreTest, BatchedLookupsAnswerForEveryKeyAtOnce) {
  auto key = [](int i) {
    char span[17];
    std::snprintf(span, sizeof span, "00000000000002%02x", i);
    return JoinKey{*core::parse_trace_id(kTrace), *core::parse_span_id(span)};
  };
  auto summary = [&](int i, std::uint32_t packets, std::int64_t updated, std::string aggregate) {
    SummaryWrite w;
    w.summary.key = key(i);
    w.summary.start_us = now_us();
    w.summary.packets = packets;
    w.json = "{}";
    w.updated_us = updated;
    w.aggregate = std::move(aggregate);
    return w;
  };
  StoreWrite first;
  for (int i = 0; i < 10; i += 2)
    first.summaries.push_back(summary(i, 5, 100, "old" + std::to_string(i)));
  ASSERT_TRUE(store_->write(first)) << store_->last_error();
  StoreWrite second;  // span 4 rewritten: the newest wins
  second.summaries.push_back(summary(4, 7, 200, "new4"));
  // A record of an aggregated span (a sample) and of a plain one.
  const std::string blob = "x";
  second.records.push_back({key(2), false, now_us(), 1, blob});
  second.records.push_back({key(3), false, now_us(), 1, blob});
  ASSERT_TRUE(store_->write(second)) << store_->last_error();

  std::vector<JoinKey> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(key(i));
  KeyPackets packets;
  ASSERT_TRUE(store_->network_packets(keys, packets)) << store_->last_error();
  EXPECT_EQ(packets.size(), 5u);
  EXPECT_EQ(packets.count(key(1)), 0u);
  EXPECT_EQ(packets[key(0)], 5u);
  EXPECT_EQ(packets[key(4)], 7u);
  KeyAggregates aggregates;
  ASSERT_TRUE(store_->span_aggregates(keys, aggregates)) << store_->last_error();
  EXPECT_EQ(aggregates.size(), 5u);
  EXPECT_EQ(aggregates[key(8)], "old8");
  EXPECT_EQ(aggregates[key(4)], "new4");
  ASSERT_TRUE(store_->span_aggregates({}, aggregates));
  EXPECT_TRUE(aggregates.empty());

  const auto needing = store_->keys_needing_summary(0);
  ASSERT_EQ(needing.size(), 1u);
  EXPECT_EQ(needing[0], key(3));
}

TEST_P(StoreTest, RawRecordsAreRetrievable) {
  IngestBatch b;
  add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 0}, {2, 100, 100, 4}}),
               1'700'000'000'000'000);
  add_to_batch(b, make_report(kTrace, kSpan, {{1, 100, 5}, {2, 100, 105}}), 1'700'000'000'000'001);
  ASSERT_TRUE(loop_->process(b, 0));
  ReaderPool pool(readers());
  QueryService q(pool);
  std::string body;
  ASSERT_EQ(q.ioam_records(kTrace, kSpan, "", body), 200);
  json j = json::parse(body);
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["trace_id"], kTrace);
  EXPECT_EQ(j["data"][0]["nodes"][1]["queue_depth"], 4);
  EXPECT_EQ(j["data"][1]["nodes"][0]["timestamp_frac"], 5);
  EXPECT_EQ(q.ioam_records("zz", kSpan, "", body), 400);
}

TEST_P(StoreTest, RetentionByAgeDeletesOldData) {
  // A day old, three days old: ClickHouse drops whole days.
  constexpr std::int64_t kDayUs = 86'400'000'000;
  WriterOptions wo;
  wo.retention_age_us = kDayUs;
  wo.retention_interval = std::chrono::milliseconds(0);
  IngestBatch b;
  b.spans.push_back(app_span("api", "old", "00000000000000a1", now_us() - 3 * kDayUs, 5));
  b.spans.push_back(app_span("api", "new", "00000000000000a2", now_us(), 5));
  ASSERT_TRUE(loop_->process(b, now_us()));
  loop_ = std::make_unique<StoreWriterLoop>(queue_, *store_, names_, metrics_, nullptr, wo);
  queue_.close();
  loop_->run();  // one retention pass, then stops: the queue is closed
  auto spans = spans_by_operation(trace_json());
  EXPECT_FALSE(spans.count("old"));
  EXPECT_TRUE(spans.count("new"));
  EXPECT_GE(metrics_.retention_deleted_rows.load(), 1u);
}

TEST_P(StoreTest, SearchFiltersByServiceOperationTagsAndDuration) {
  IngestBatch b;
  const std::int64_t t = 1'700'000'000'000'000;
  b.spans.push_back(app_span("api", "GET /check", "00000000000000b1", t, 1000,
                             R"([{"key":"http.method","type":"string","value":"GET"}])"));
  StoredSpan other = app_span("api", "POST /login", "00000000000000b2", t + 10, 50'000,
                              R"([{"key":"http.status_code","type":"int64","value":500}])",
                              "11111111111111111111111111111111");
  b.spans.push_back(other);
  add_to_batch(
      b, make_report(kTrace, "00000000000000b1", {{1, 1'700'000'000, 0}, {2, 1'700'000'000, 900}}),
      t);
  ASSERT_TRUE(loop_->process(b, t));
  ASSERT_TRUE(loop_->flush_all(t + 10'000'000));
  ReaderPool pool(readers());
  QueryService q(pool);
  std::size_t tag_drives_below = 10'000;
  auto found = [&](std::multimap<std::string, std::string> params) {
    TraceQuery query;
    std::string error, body;
    EXPECT_TRUE(parse_trace_query(params, t + 1'000'000, query, error)) << error;
    query.tag_drives_below = tag_drives_below;
    EXPECT_EQ(q.search(query, body), 200) << body;
    std::set<std::string> ids;
    const json parsed = json::parse(body);
    for (const auto& tr : parsed["data"]) ids.insert(tr["traceID"].get<std::string>());
    return ids;
  };
  const std::string a = kTrace, o = "11111111111111111111111111111111";
  EXPECT_EQ(found({{"service", "api"}, {"start", "0"}}), (std::set<std::string>{a, o}));
  EXPECT_EQ(found({{"service", "api"}, {"operation", "POST /login"}, {"start", "0"}}),
            (std::set<std::string>{o}));
  EXPECT_EQ(found({{"service", "api"}, {"tags", R"({"http.status_code":"500"})"}, {"start", "0"}}),
            (std::set<std::string>{o}));
  EXPECT_EQ(found({{"service", "api"}, {"tag", "http.method:GET"}, {"start", "0"}}),
            (std::set<std::string>{a}));
  EXPECT_EQ(found({{"service", "api"}, {"minDuration", "10ms"}, {"start", "0"}}),
            (std::set<std::string>{o}));
  EXPECT_EQ(found({{"service", "api"}, {"maxDuration", "10ms"}, {"start", "0"}}),
            (std::set<std::string>{a}));
  EXPECT_EQ(found({{"service", "api"}, {"start", std::to_string(t + 5)}}),
            (std::set<std::string>{o}));
  EXPECT_EQ(
      found({{"service", "ioam"}, {"tags", R"({"ioam.slowest_hop":"porthos"})"}, {"start", "0"}}),
      (std::set<std::string>{a}));
  EXPECT_EQ(found({{"service", "ioam"}, {"operation", "hop 2 porthos"}, {"start", "0"}}),
            (std::set<std::string>{a}));
  EXPECT_TRUE(found({{"service", "ioam"}, {"operation", "hop 9 nobody"}, {"start", "0"}}).empty());
  EXPECT_EQ(found({{"service", "api"}, {"limit", "1"}, {"start", "0"}}).size(), 1u);
  // The same searches with every tag counted as common: spans walked newest
  // first, each tag checked.
  tag_drives_below = 0;
  EXPECT_EQ(found({{"service", "api"}, {"tags", R"({"http.status_code":"500"})"}, {"start", "0"}}),
            (std::set<std::string>{o}));
  EXPECT_EQ(found({{"service", "api"}, {"tag", "http.method:GET"}, {"start", "0"}}),
            (std::set<std::string>{a}));
  EXPECT_TRUE(found({{"service", "api"}, {"tag", "http.method:PUT"}, {"start", "0"}}).empty());
}

// The hex id of test trace i.
std::string trace_hex_of(int i) {
  char hex[33];
  std::snprintf(hex, sizeof hex, "5eac%028x", i);
  return hex;
}

// A search reads its traces together; each must be what trace by id gives:
// every application span, every network and hop span, in the same order.
TEST_P(StoreTest, SearchAnswersEachTraceAsTraceByIdDoes) {
  const std::int64_t t = 1'700'000'000'000'000;
  IngestBatch b;
  for (int i = 0; i < 5; ++i) {
    const std::string trace = trace_hex_of(i);
    const std::int64_t start = t + i * 1000;
    b.spans.push_back(
        app_span("api", "GET /a", "00000000000000a1", start, 900, "[]", trace.c_str()));
    // Two spans starting together: their order is the store's, the same in both reads.
    b.spans.push_back(
        app_span("db", "SELECT", "00000000000000a2", start + 10, 100, "[]", trace.c_str()));
    b.spans.push_back(
        app_span("db", "UPDATE", "00000000000000a3", start + 10, 200, "[]", trace.c_str()));
    if (i % 2 == 0) {
      const auto secs = static_cast<std::uint32_t>(1'700'000'000 + i);
      add_to_batch(b, make_report(trace, "00000000000000a1", {{1, secs, 0}, {2, secs, 300}}), t);
      add_to_batch(b, make_report(trace, "00000000000000a2", {{1, secs, 20}, {3, secs, 90}}), t);
    }
  }
  ASSERT_TRUE(loop_->process(b, t));
  ASSERT_TRUE(loop_->flush_all(t + 10'000'000));
  // A late packet: trace 0's first summary is rewritten.
  IngestBatch late;
  add_to_batch(late,
               make_report(trace_hex_of(0), "00000000000000a1",
                           {{1, 1'700'000'000, 500}, {2, 1'700'000'000, 900}}),
               t + 20'000'000);
  ASSERT_TRUE(loop_->process(late, t + 20'000'000));
  ASSERT_TRUE(loop_->flush_all(t + 40'000'000));

  ReaderPool pool(readers());
  QueryService q(pool);
  auto search = [&](std::multimap<std::string, std::string> params) {
    TraceQuery query;
    std::string error, body;
    EXPECT_TRUE(parse_trace_query(params, t + 100'000'000, query, error)) << error;
    EXPECT_EQ(q.search(query, body), 200) << body;
    return json::parse(body)["data"];
  };
  auto expect_as_by_id = [&](const json& traces) {
    for (const json& found : traces) {
      std::string body;
      ASSERT_EQ(q.trace(found["traceID"].get<std::string>(), body), 200) << body;
      EXPECT_EQ(found, json::parse(body)["data"][0]) << found["traceID"];
    }
  };
  const json apps = search({{"service", "db"}, {"start", "0"}});
  ASSERT_EQ(apps.size(), 5u);
  for (const json& trace : apps) {
    const bool reported = trace["traceID"] == trace_hex_of(0) ||
                          trace["traceID"] == trace_hex_of(2) ||
                          trace["traceID"] == trace_hex_of(4);
    // 3 application spans; per reported span a network path and a span per node.
    EXPECT_EQ(trace["spans"].size(), reported ? 3u + 2 * 3 : 3u) << trace["traceID"];
  }
  expect_as_by_id(apps);
  const json networks = search({{"service", "ioam"}, {"start", "0"}});
  std::set<std::string> ids;
  for (const json& trace : networks) ids.insert(trace["traceID"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{trace_hex_of(0), trace_hex_of(2), trace_hex_of(4)}));
  expect_as_by_id(networks);
  // Trace 0's rewritten summary: the newest, with both packets.
  std::size_t rewritten = 0;
  for (const json& trace : networks)
    if (trace["traceID"] == trace_hex_of(0))
      for (const json& span : trace["spans"])
        if (span["operationName"] == "network path")
          for (const json& tag : span["tags"])
            if (tag["key"] == "ioam.packets") rewritten += tag["value"].get<std::size_t>();
  EXPECT_EQ(rewritten, 2u + 1u);  // span a1's two packets, span a2's one
}

// The path overview's scan by time: every summary once (the newest of a
// rewritten one), newest first, across the pages a store reads in.
TEST_P(StoreTest, ScanByTimeVisitsEachSummaryOnceNewestFirst) {
  const std::int64_t t = 1'700'000'000'000'000;
  constexpr int kSpans = 700;  // more than one page of the ClickHouse scan
  IngestBatch b;
  for (int i = 0; i < kSpans; ++i) {
    char span[17];
    std::snprintf(span, sizeof span, "%016x", i + 1);
    const auto secs = static_cast<std::uint32_t>(1'700'000'000 + i / 4);
    add_to_batch(b, make_report(trace_hex_of(i / 3), span, {{1, secs, 0}, {2, secs, 100}}), t);
  }
  ASSERT_TRUE(loop_->process(b, t));
  ASSERT_TRUE(loop_->flush_all(t + 10'000'000));
  IngestBatch late;  // rewrites one summary
  add_to_batch(late,
               make_report(trace_hex_of(0), "0000000000000001",
                           {{1, 1'700'000'000, 50}, {2, 1'700'000'000, 150}}),
               t + 20'000'000);
  ASSERT_TRUE(loop_->process(late, t + 20'000'000));
  ASSERT_TRUE(loop_->flush_all(t + 40'000'000));

  std::string error;
  auto reader = store_->open_reader(error);
  ASSERT_TRUE(reader) << error;
  std::set<JoinKey> seen;
  std::int64_t previous = INT64_MAX;
  std::uint32_t rewritten_packets = 0;
  reader->scan_networks(0, INT64_MAX, [&](const NetworkSummary& n) {
    EXPECT_TRUE(seen.insert(n.key).second) << core::to_hex(n.key.span_id);
    EXPECT_LE(n.start_us, previous);
    previous = n.start_us;
    if (core::to_hex(n.key.span_id) == "0000000000000001") rewritten_packets = n.packets;
    return true;
  });
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kSpans));
  EXPECT_EQ(rewritten_packets, 2u);
  // A time range: the summaries of its seconds only; and a scan stops when told.
  std::size_t in_range = 0;
  reader->scan_networks((1'700'000'000 + 10) * 1'000'000LL,
                        (1'700'000'000 + 19) * 1'000'000LL + 999'999,
                        [&](const NetworkSummary&) { return ++in_range, true; });
  EXPECT_EQ(in_range, 40u);
  std::size_t visited = 0;
  reader->scan_networks(0, INT64_MAX, [&](const NetworkSummary&) { return ++visited < 300; });
  EXPECT_EQ(visited, 300u);
}

TEST(TraceQuery, RejectsBadParameters) {
  TraceQuery q;
  std::string error;
  EXPECT_FALSE(parse_trace_query({{"minDuration", "fast"}}, 0, q, error));
  EXPECT_NE(error.find("minDuration"), std::string::npos);
  EXPECT_FALSE(parse_trace_query({{"start", "yesterday"}}, 0, q, error));
  EXPECT_FALSE(parse_trace_query({{"tags", "[1]"}}, 0, q, error));
  EXPECT_FALSE(parse_trace_query({{"tag", "novalue"}}, 0, q, error));
  TraceQuery ok;
  EXPECT_TRUE(parse_trace_query({{"lookback", "1h"}, {"end", "7200000000"}}, 0, ok, error));
  EXPECT_EQ(ok.start_us, 3'600'000'000);
  EXPECT_EQ(parse_duration_us("1.5s"), 1'500'000);
  EXPECT_EQ(parse_duration_us("250us"), 250);
  EXPECT_FALSE(parse_duration_us("12").has_value());
}

TEST(TraceQuery, DurationsMustBeFiniteAndFit) {
  for (const char* text : {"nanms", "NaNs", "infs", "inf", "-1ms", "99999999999999999999h",
                           "300000y", "1e300s", "ms", "1.5"})
    EXPECT_FALSE(parse_duration_us(text).has_value()) << text;
  EXPECT_EQ(parse_duration_us("2562047h"), 2'562'047LL * 3'600'000'000LL);
  TraceQuery q;
  std::string error;
  EXPECT_FALSE(parse_trace_query({{"maxDuration", "nanms"}}, 0, q, error));
  EXPECT_FALSE(parse_trace_query({{"minDuration", "99999999999999999999h"}}, 0, q, error));
  EXPECT_TRUE(
      parse_trace_query({{"lookback", "2562047h"}, {"end", "-9223372036854775807"}}, 0, q, error))
      << error;
  EXPECT_EQ(q.start_us, INT64_MIN);
  EXPECT_FALSE(
      parse_trace_query({{"tags", std::string(100, '[') + std::string(100, ']')}}, 0, q, error));
  EXPECT_NE(error.find("nested"), std::string::npos) << error;
}

TEST_P(StoreTest, AnswersOverTheResponseBudgetAreRefused) {
  IngestBatch b;
  const std::string big_tags =
      R"([{"key":"k","type":"string","value":")" + std::string(40'000, 'x') + R"("}])";
  b.spans.push_back(app_span("api", "GET /a", "b7ad6b7169203331", 1000, 10, big_tags));
  b.spans.push_back(app_span("api", "GET /b", "b7ad6b7169203332", 2000, 10, big_tags));
  ASSERT_TRUE(loop_->process(b, 1000));
  ReaderPool pool(readers());
  QueryService roomy(pool, QueryLimits{1 << 20});
  std::string body;
  EXPECT_EQ(roomy.trace(kTrace, body), 200);
  EXPECT_GT(body.size(), 80'000u);
  QueryService tight(pool, QueryLimits{50'000});
  EXPECT_EQ(tight.trace(kTrace, body), kAnswerTooLarge);
  EXPECT_NE(body.find("--query-max-response"), std::string::npos) << body;
  TraceQuery q;
  q.service = "api";
  q.start_us = 0;
  EXPECT_EQ(tight.search(q, body), kAnswerTooLarge);
  EXPECT_EQ(roomy.search(q, body), 200);
  EXPECT_EQ(json::parse(body)["data"][0]["spans"].size(), 2u);
  QueryService no_room(pool, QueryLimits{10});
  EXPECT_EQ(no_room.services(body), kAnswerTooLarge);
  EXPECT_EQ(no_room.operations("api", body), kAnswerTooLarge);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values("sqlite"));
INSTANTIATE_TEST_SUITE_P(ClickHouse, StoreTest, ::testing::Values("clickhouse"));

// Cases of the ClickHouse store alone.
class ClickHouseStoreTest : public StoreTest {
 protected:
  std::string scalar(clickhouse::Http& http, const std::string& sql) {
    std::string answer;
    EXPECT_TRUE(http.select(sql + " FORMAT TabSeparated", answer)) << http.error();
    while (!answer.empty() && answer.back() == '\n') answer.pop_back();
    return answer;
  }
};

// A database of schema version 2 (no network_by_time yet) brought to the
// current version: the summaries stored before are in the scan by time, copied once
// however often the step runs (collectors starting together both run it).
TEST_P(ClickHouseStoreTest, Version2DatabaseGetsItsSummariesOrderedByTime) {
  const std::int64_t t = 1'700'000'000'000'000;
  IngestBatch b;
  for (const char* span : {"00000000000000c1", "00000000000000c2", "00000000000000c3"})
    add_to_batch(b, make_report(kTrace, span, {{1, 1'700'000'000, 0}, {2, 1'700'000'000, 100}}), t);
  ASSERT_TRUE(loop_->process(b, t));
  ASSERT_TRUE(loop_->flush_all(t + 10'000'000));
  clickhouse::Http http(clickhouse_.endpoint, std::chrono::seconds(10));
  const std::string db = clickhouse_.endpoint.database;
  auto make_version_2 = [&] {
    ASSERT_TRUE(http.execute("DROP TABLE IF EXISTS " + db + ".schema_version")) << http.error();
    ASSERT_TRUE(http.execute("CREATE TABLE " + db +
                             ".schema_version (version UInt32, applied_us Int64) ENGINE = "
                             "MergeTree ORDER BY version SETTINGS index_granularity = 8192"))
        << http.error();
    ASSERT_TRUE(http.execute("INSERT INTO " + db + ".schema_version VALUES (1, 0), (2, 0)"))
        << http.error();
  };
  ASSERT_TRUE(http.execute("DROP TABLE " + db + ".network_by_time")) << http.error();
  make_version_2();
  open();
  EXPECT_EQ(scalar(http, "SELECT max(version) FROM " + db + ".schema_version"),
            std::to_string(clickhouse::kSchemaVersion));
  EXPECT_EQ(scalar(http, "SELECT count() FROM " + db + ".network_by_time"), "3");
  make_version_2();
  open();
  EXPECT_EQ(scalar(http, "SELECT count() FROM " + db + ".network_by_time"), "3");
  std::string error;
  auto reader = store_->open_reader(error);
  ASSERT_TRUE(reader) << error;
  std::size_t visited = 0;
  reader->scan_networks(0, INT64_MAX, [&](const NetworkSummary&) { return ++visited, true; });
  EXPECT_EQ(visited, 3u);
}

INSTANTIATE_TEST_SUITE_P(ClickHouse, ClickHouseStoreTest, ::testing::Values("clickhouse"));

TEST(TraceIds, LooseParsingPadsShortIds) {
  auto id = parse_trace_id_loose("abc");
  ASSERT_TRUE(id);
  EXPECT_EQ(core::to_hex(*id), "00000000000000000000000000000abc");
  EXPECT_FALSE(parse_trace_id_loose("xyz"));
  EXPECT_FALSE(parse_trace_id_loose(std::string(33, 'a')));
}

}  // namespace
}  // namespace clt::collector
