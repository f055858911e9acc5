#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "collector/model/network_spans.h"
#include "collector/query/query_service.h"
#include "collector/store/sqlite_schema.h"
#include "collector/store/sqlite_store.h"

namespace clt::collector {
namespace {

using nlohmann::json;

// The schema as the collector created it before spans were stored as OTLP
// (user_version 0), and a span in its Jaeger form.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE spans(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_id BLOB,
  service TEXT NOT NULL, operation TEXT NOT NULL,
  start_us INTEGER NOT NULL, duration_us INTEGER NOT NULL,
  tags TEXT NOT NULL, process_tags TEXT NOT NULL, logs TEXT NOT NULL, refs TEXT NOT NULL);
CREATE UNIQUE INDEX spans_id ON spans(trace_id, span_id);
CREATE INDEX spans_service_start ON spans(service, start_us);
CREATE INDEX spans_start ON spans(start_us);
CREATE TABLE operations(service TEXT NOT NULL, operation TEXT NOT NULL,
  PRIMARY KEY(service, operation)) WITHOUT ROWID;
CREATE TABLE network(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, start_us INTEGER NOT NULL,
  duration_us INTEGER NOT NULL, packets INTEGER NOT NULL, summary TEXT NOT NULL,
  updated_us INTEGER NOT NULL, PRIMARY KEY(trace_id, span_id));
CREATE INDEX network_start ON network(start_us);
CREATE TABLE ioam_records(
  id INTEGER PRIMARY KEY, trace_id BLOB NOT NULL, span_id BLOB NOT NULL,
  ids_lost INTEGER NOT NULL, received_us INTEGER NOT NULL, count INTEGER NOT NULL,
  data BLOB NOT NULL);
CREATE INDEX ioam_records_key ON ioam_records(trace_id, span_id);
INSERT INTO operations VALUES('api', 'GET /check');
INSERT INTO spans VALUES(
  x'0af7651916cd43dd8448eb211c80319c', x'b7ad6b7169203331', x'0000000000000001',
  'api', 'GET /check', 1700000000000000, 2500,
  '[{"key":"http.status_code","type":"int64","value":503},{"key":"span.kind","type":"string","value":"client"},{"key":"otel.status_code","type":"string","value":"ERROR"},{"key":"error","type":"bool","value":true},{"key":"otel.status_description","type":"string","value":"upstream failed"},{"key":"otel.scope.name","type":"string","value":"demo"},{"key":"otel.dropped_events_count","type":"int64","value":2}]',
  '[{"key":"host.name","type":"string","value":"athos"}]',
  '[{"timestamp":1700000000001000,"fields":[{"key":"event","type":"string","value":"retry"},{"key":"attempt","type":"int64","value":2}]}]',
  '[{"refType":"FOLLOWS_FROM","traceID":"5bf92f3577b34da6a3ce929d0e0e4736","spanID":"10f067aa0ba902b7"}]');
)sql";

constexpr const char* kTrace = "0af7651916cd43dd8448eb211c80319c";

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("clt-collector-schema-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    options_.path = (dir_ / "c.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write_v1() {
    SqliteDb db;
    std::string error;
    ASSERT_TRUE(db.open(options_.path, false, error)) << error;
    ASSERT_TRUE(db.exec(kSchemaV1, error)) << error;
    ASSERT_EQ(schema_version(db), 1);
  }
  json trace(SqliteStore& store) {
    ReaderPool pool([&store](std::string& e) { return store.open_reader(e); });
    QueryService q(pool);
    std::string body;
    EXPECT_EQ(q.trace(kTrace, body), 200) << body;
    return json::parse(body)["data"][0];
  }
  std::set<std::string> search(SqliteStore& store, const std::string& tags) {
    ReaderPool pool([&store](std::string& e) { return store.open_reader(e); });
    QueryService q(pool);
    TraceQuery query;
    query.service = "api";
    std::string error, body;
    EXPECT_TRUE(parse_trace_query({{"service", "api"}, {"tags", tags}, {"start", "0"}},
                                  1'800'000'000'000'000, query, error));
    EXPECT_EQ(q.search(query, body), 200) << body;
    std::set<std::string> ids;
    const json parsed = json::parse(body);
    for (const auto& t : parsed["data"]) ids.insert(t["traceID"].get<std::string>());
    return ids;
  }

  std::filesystem::path dir_;
  StoreOptions options_;
};

std::map<std::string, json> tags_of(const json& tags) {
  std::map<std::string, json> out;
  for (const auto& t : tags) out[t["key"]] = t["value"];
  return out;
}

TEST_F(SchemaTest, AnOldDatabaseIsMigratedWithItsSpans) {
  write_v1();
  SqliteStore store;
  std::string error;
  ASSERT_TRUE(store.open(options_, error)) << error;
  EXPECT_EQ(schema_version(store.db()), kSchemaVersion);
  const json t = trace(store);
  ASSERT_EQ(t["spans"].size(), 1u);
  const json& span = t["spans"][0];
  EXPECT_EQ(span["operationName"], "GET /check");
  EXPECT_EQ(span["startTime"], 1'700'000'000'000'000);
  EXPECT_EQ(span["duration"], 2500);
  auto tags = tags_of(span["tags"]);
  EXPECT_EQ(tags["http.status_code"], 503);
  EXPECT_EQ(tags["span.kind"], "client");
  EXPECT_EQ(tags["otel.status_code"], "ERROR");
  EXPECT_EQ(tags["error"], true);
  EXPECT_EQ(tags["otel.status_description"], "upstream failed");
  EXPECT_EQ(tags["otel.scope.name"], "demo");
  EXPECT_EQ(tags["otel.dropped_events_count"], 2);
  EXPECT_EQ(tags.size(), 7u);
  EXPECT_EQ(tags_of(t["processes"][span["processID"].get<std::string>()]["tags"])["host.name"],
            "athos");
  ASSERT_EQ(span["logs"].size(), 1u);
  EXPECT_EQ(span["logs"][0]["timestamp"], 1'700'000'000'001'000);
  EXPECT_EQ(tags_of(span["logs"][0]["fields"])["attempt"], 2);
  ASSERT_EQ(span["references"].size(), 2u);  // the parent and the link
  EXPECT_EQ(span["references"][1]["refType"], "FOLLOWS_FROM");
  EXPECT_EQ(span["references"][1]["spanID"], "10f067aa0ba902b7");
  // The tag index was filled from the old rows.
  EXPECT_EQ(search(store, R"({"http.status_code":"503","host.name":"athos"})"),
            (std::set<std::string>{kTrace}));
  EXPECT_TRUE(search(store, R"({"http.status_code":"200"})").empty());
}

TEST_F(SchemaTest, OpeningAgainKeepsTheDataAndANewerSchemaIsRefused) {
  write_v1();
  std::string error;
  {
    SqliteStore store;
    ASSERT_TRUE(store.open(options_, error)) << error;
  }
  SqliteStore again;
  ASSERT_TRUE(again.open(options_, error)) << error;
  EXPECT_EQ(trace(again)["spans"].size(), 1u);
  ASSERT_TRUE(again.db().exec("PRAGMA user_version=99", error));
  SqliteStore newer;
  EXPECT_FALSE(newer.open(options_, error));
  EXPECT_NE(error.find("newer"), std::string::npos) << error;
}

// Schema version 2's network tables: one row per span, no direction.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE spans(
  id INTEGER PRIMARY KEY, trace_id BLOB NOT NULL, span_id BLOB NOT NULL, parent_id BLOB,
  service TEXT NOT NULL, operation TEXT NOT NULL,
  start_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, otlp BLOB NOT NULL);
CREATE UNIQUE INDEX spans_id ON spans(trace_id, span_id);
CREATE TABLE span_tags(span_row INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(key, value, span_row)) WITHOUT ROWID;
CREATE TABLE operations(service TEXT NOT NULL, operation TEXT NOT NULL,
  PRIMARY KEY(service, operation)) WITHOUT ROWID;
CREATE TABLE network(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, start_us INTEGER NOT NULL,
  duration_us INTEGER NOT NULL, packets INTEGER NOT NULL, summary TEXT NOT NULL,
  updated_us INTEGER NOT NULL, PRIMARY KEY(trace_id, span_id));
CREATE INDEX network_start ON network(start_us);
CREATE TABLE ioam_records(
  id INTEGER PRIMARY KEY, trace_id BLOB NOT NULL, span_id BLOB NOT NULL,
  ids_lost INTEGER NOT NULL, received_us INTEGER NOT NULL, count INTEGER NOT NULL,
  data BLOB NOT NULL);
CREATE INDEX ioam_records_key ON ioam_records(trace_id, span_id);
CREATE TABLE span_aggregates(
  trace_id BLOB NOT NULL, span_id BLOB NOT NULL, updated_us INTEGER NOT NULL,
  data BLOB NOT NULL, PRIMARY KEY(trace_id, span_id));
INSERT INTO network VALUES(x'0af7651916cd43dd8448eb211c80319c', x'b7ad6b7169203331', 100, 50, 7,
  '{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","ids_lost":false,"overflow":false,"packets":7,"path":"athos > aramis","start_us":100,"duration_us":50,"hops":[]}',
  1700000000000000);
INSERT INTO span_aggregates VALUES(x'0af7651916cd43dd8448eb211c80319c', x'b7ad6b7169203331',
  1700000000000000, x'0a10');
PRAGMA user_version=2;
)sql";

// Version 2 -> 3: what was stored is the request; the response of the same
// span then gets rows of its own beside it.
TEST_F(SchemaTest, Version2IsMigratedToDirectionsKeepingItsSummaries) {
  {
    SqliteDb db;
    std::string error;
    ASSERT_TRUE(db.open(options_.path, false, error)) << error;
    ASSERT_TRUE(db.exec(kSchemaV2, error)) << error;
  }
  SqliteStore store;
  std::string error;
  ASSERT_TRUE(store.open(options_, error)) << error;
  EXPECT_EQ(schema_version(store.db()), kSchemaVersion);
  const JoinKey request{*core::parse_trace_id(kTrace), *core::parse_span_id("b7ad6b7169203331")};
  JoinKey response = request;
  response.direction = core::Direction::kResponse;
  const JoinKey keys[] = {request, response};
  KeyPackets packets;
  ASSERT_TRUE(store.network_packets(keys, packets));
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[request], 7u);
  KeyAggregates aggregates;
  ASSERT_TRUE(store.span_aggregates(keys, aggregates));
  EXPECT_EQ(aggregates.count(request), 1u);
  EXPECT_EQ(aggregates.count(response), 0u);

  StoreWrite w;
  SummaryWrite back;
  back.summary.key = response;
  back.summary.packets = 3;
  back.summary.path = "aramis > athos";
  back.json = summary_to_json(back.summary);
  back.updated_us = 1'700'000'000'000'001;
  w.summaries.push_back(back);
  ASSERT_TRUE(store.write(w)) << store.last_error();
  ASSERT_TRUE(store.network_packets(keys, packets));
  EXPECT_EQ(packets[request], 7u);
  EXPECT_EQ(packets[response], 3u);
  auto reader = store.open_reader(error);
  ASSERT_TRUE(reader) << error;
  std::vector<NetworkSummary> networks;
  reader->trace_networks(request.trace_id, networks);
  ASSERT_EQ(networks.size(), 2u);
  std::set<std::string> seen;
  for (const auto& n : networks)
    seen.insert(n.path + " " + std::string(core::to_string(n.key.direction)));
  EXPECT_EQ(seen, (std::set<std::string>{"athos > aramis request", "aramis > athos response"}));
}

TEST_F(SchemaTest, AReaderRefusesADatabaseNotYetMigrated) {
  write_v1();
  std::string error;
  EXPECT_EQ(open_sqlite_reader(options_.path, error), nullptr);
  EXPECT_NE(error.find("schema version 1"), std::string::npos) << error;
}

}  // namespace
}  // namespace clt::collector
