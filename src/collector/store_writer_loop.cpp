#include "collector/store_writer_loop.h"

#include <algorithm>

#include "collector/network_spans.h"
#include "collector/span_exporter.h"

namespace clt::collector {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StoreWriterLoop::StoreWriterLoop(IngestQueue& queue, StoreWriter& store, const NodeNames& names,
                                 Metrics& metrics, SpanExporter* exporter, WriterOptions options)
    : queue_(queue),
      store_(store),
      names_(names),
      metrics_(metrics),
      exporter_(exporter),
      options_(options),
      joiner_(options.join) {
  for (auto& op : store_.operations()) operations_.insert(std::move(op));
}

void StoreWriterLoop::note_operation(const std::string& service, const std::string& operation) {
  if (operations_.size() > 100'000) return;  // a runaway cardinality stays bounded
  auto key = std::make_pair(service, operation);
  if (operations_.count(key)) return;
  if (store_.add_operation(service, operation)) operations_.insert(std::move(key));
}

bool StoreWriterLoop::summarize(const JoinKey& key, PendingSpan* pending) {
  std::span<const PacketMeta> metas;
  std::span<const HopSample> hops;
  bool ids_lost = pending ? pending->ids_lost : false;
  // Packets summarized before (a long span, late packets, a restart) are in
  // the database only: read them all back.
  if (!pending || store_.network_packets(key)) {
    bool stored_ids_lost = false;
    if (!store_.load_records(key, reload_metas_, reload_hops_, stored_ids_lost)) return false;
    if (!pending) ids_lost = stored_ids_lost;
    metas = reload_metas_;
    hops = reload_hops_;
  } else {
    metas = pending->metas;
    hops = pending->hops;
  }
  if (metas.empty()) return true;
  NetworkSummary summary = collector::summarize(key, metas, hops, names_);
  summary.ids_lost = ids_lost;
  if (!store_.upsert_network(summary, summary_to_json(summary), now_us())) return false;
  metrics_.network_spans_written.fetch_add(1, std::memory_order_relaxed);
  note_operation(kIoamService, kNetworkOperation);
  for (const HopSummary& h : summary.hops) note_operation(kIoamService, hop_operation_name(h));
  if (exporter_) {
    derived_.clear();
    append_network_spans(summary, derived_);
    exporter_->enqueue(std::move(derived_));
  }
  return true;
}

bool StoreWriterLoop::summarize_due(std::int64_t now, bool everything) {
  // Looking for quiet spans walks every pending span: under load batches come
  // every few hundred microseconds, far more often than spans go quiet.
  const std::int64_t interval = std::min(kDueScanIntervalUs, options_.join.quiet_us / 2);
  if (!everything && now - last_due_scan_us_ < interval && now >= last_due_scan_us_) return true;
  last_due_scan_us_ = now;
  due_.clear();
  joiner_.due(everything ? INT64_MAX / 2 : now, due_);
  for (const JoinKey& key : due_) {
    if (!summarize(key, joiner_.find(key))) return false;
    joiner_.erase(key);
  }
  metrics_.join_pending_keys.store(static_cast<std::int64_t>(joiner_.size()),
                                   std::memory_order_relaxed);
  return true;
}

bool StoreWriterLoop::process(IngestBatch& batch, std::int64_t now) {
  if (!store_.begin()) {
    metrics_.store_errors.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  bool ok = true;
  std::size_t hop_at = 0;
  std::uint32_t raw_at = 0;
  for (std::size_t i = 0; i < batch.metas.size(); ++i) {
    const PacketMeta& m = batch.metas[i];
    const std::uint32_t raw_end = batch.raw_ends[i];
    joiner_.add(batch.keys[i], m,
                std::span<const HopSample>(batch.hops.data() + hop_at, m.node_count),
                std::string_view(batch.raw.data() + raw_at, raw_end - raw_at));
    hop_at += m.node_count;
    raw_at = raw_end;
  }
  joiner_.drain_batch([&](const JoinKey& key, PendingSpan& p) {
    ok = ok && store_.insert_records(key, p.ids_lost, p.batch_first_received_us, p.batch_count,
                                     p.batch_raw);
  });
  for (const SpanRow& row : batch.spans) {
    ok = ok && store_.upsert_span(row);
    if (ok) note_operation(row.service, row.operation);
  }
  ok = ok && summarize_due(now, false);
  if (ok && store_.commit()) {
    metrics_.store_batches.fetch_add(1, std::memory_order_relaxed);
    metrics_.store_records_written.fetch_add(batch.metas.size(), std::memory_order_relaxed);
    metrics_.store_spans_written.fetch_add(batch.spans.size(), std::memory_order_relaxed);
    if (exporter_ && options_.export_app_spans && !batch.spans.empty())
      exporter_->enqueue(std::move(batch.spans));
    return true;
  }
  store_.rollback();
  metrics_.store_errors.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool StoreWriterLoop::flush_all(std::int64_t now) {
  if (!store_.begin()) return false;
  if (summarize_due(now, true) && store_.commit()) return true;
  store_.rollback();
  return false;
}

void StoreWriterLoop::recover() {
  const std::int64_t since = options_.retention_age_us > 0 ? now_us() - options_.retention_age_us
                                                           : now_us() - 3'600'000'000LL;
  const std::vector<JoinKey> keys = store_.keys_needing_summary(since);
  if (keys.empty() || !store_.begin()) return;
  for (const JoinKey& key : keys) summarize(key, nullptr);
  if (!store_.commit()) store_.rollback();
}

void StoreWriterLoop::apply_retention(std::int64_t now) {
  last_retention_us_ = now;
  std::int64_t deleted = 0;
  if (options_.retention_age_us > 0)
    deleted += store_.delete_older_than(now - options_.retention_age_us);
  if (options_.max_db_bytes > 0) {
    // Drops the oldest tenth of the stored time range until under the limit.
    for (int round = 0; round < 20 && store_.used_bytes() > options_.max_db_bytes; ++round) {
      auto oldest = store_.oldest_us();
      auto newest = store_.newest_us();
      if (!oldest || !newest) break;
      const std::int64_t cut = *oldest + std::max<std::int64_t>(1, (*newest - *oldest) / 10);
      deleted += store_.delete_older_than(cut);
    }
  }
  if (deleted > 0) {
    store_.reclaim_free_pages();
    metrics_.retention_deleted_rows.fetch_add(static_cast<std::uint64_t>(deleted),
                                              std::memory_order_relaxed);
  }
  metrics_.db_size_bytes.store(store_.used_bytes(), std::memory_order_relaxed);
}

void StoreWriterLoop::run() {
  IngestBatch batch;
  for (;;) {
    const bool got = queue_.take(batch, std::chrono::milliseconds(100));
    const std::int64_t now = now_us();
    if (got) {
      const bool ok = process(batch, now);
      queue_.mark_done(batch.seq, ok);
    } else if (queue_.closed()) {
      if (now - last_retention_us_ >= options_.retention_interval.count() * 1000)
        apply_retention(now);
      break;
    } else if (joiner_.size() > 0) {
      if (store_.begin()) {
        if (summarize_due(now, false) && store_.commit()) {
        } else {
          store_.rollback();
        }
      }
    }
    if (now - last_retention_us_ >= options_.retention_interval.count() * 1000)
      apply_retention(now);
  }
  flush_all(now_us());
  store_.checkpoint();
}

}  // namespace clt::collector
