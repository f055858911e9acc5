// libFuzzer target: bytes as one IOAM API report (ioam_api.IOAMTrace) down
// the collector's record path, as the IOAM gRPC receiver and the store
// writer run it: read_report, the join, the record blob as stored and read
// back, the network summary, its stored JSON form and the spans rendered
// from it. Bad reports must be refused with a reason; nothing may crash,
// read out of bounds or disagree with itself (ASan/UBSan watch).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/joiner.h"
#include "collector/model/ioam_record.h"
#include "collector/model/network_spans.h"
#include "collector/model/network_summary.h"
#include "collector/model/record_blob.h"
#include "ioam_api.pb.h"

namespace {

using namespace clt::collector;

constexpr std::int64_t kReceivedUs = 1'700'000'000'000'000;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ioam_api::IOAMTrace report;
  if (!report.ParseFromArray(data, static_cast<int>(size))) return 0;
  JoinKey key;
  PacketMeta meta;
  std::vector<HopSample> hops;
  std::string error;
  if (!read_report(report, kReceivedUs, key, meta, hops, error)) {
    check(!error.empty() && hops.empty());
    return 0;
  }
  check(meta.node_count == hops.size() && hops.size() <= kMaxHopsPerReport);

  // Two packets of the span, as two reports of one batch.
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  Joiner joiner(JoinOptions{});
  joiner.add(key, meta, hops, raw);
  PacketMeta later = meta;
  later.received_us += 1000;
  joiner.add(key, later, hops, raw);
  std::string blob;
  JoinKey stored_key;
  joiner.drain_batch([&](const JoinKey& k, PendingSpan& p) {
    blob = p.batch_raw;
    stored_key = k;
  });
  const PendingSpan* pending = joiner.find(stored_key);
  check(pending && pending->metas.size() == 2);

  // The stored blob decodes to the same reports.
  int records = 0;
  const bool blob_ok =
      for_each_raw_record({reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()},
                          [&](std::int64_t received_us, std::string_view bytes) {
                            check(bytes == raw && received_us >= kReceivedUs);
                            ++records;
                          });
  check(blob_ok && records == 2);

  NodeNames names;
  names.set(1, "athos");
  names.set(2, "porthos");
  const NetworkSummary summary = summarize(stored_key, pending->metas, pending->hops, names);
  check(summary.packets == 2);
  NetworkSummary again;
  check(summary_from_json(summary_to_json(summary), again));
  check(again.packets == summary.packets && again.hops.size() == summary.hops.size() &&
        again.path == summary.path);
  std::vector<JaegerSpan> spans;
  append_network_spans(summary, spans);
  check(spans.size() == 1 + summary.hops.size());
  return 0;
}
