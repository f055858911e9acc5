#include "collector/store_writer_loop.h"

#include <algorithm>

#include "aggregate/summary_proto.h"
#include "clt/v1/telemetry.pb.h"
#include "collector/model/network_spans.h"
#include "collector/model/otlp_export.h"
#include "collector/span_exporter.h"

namespace clt::collector {

StoreWriterLoop::StoreWriterLoop(IngestQueue& queue, Store& store, const NodeNames& names,
                                 Metrics& metrics, SpanExporter* exporter, WriterOptions options,
                                 os::RateLimitedError* write_errors)
    : queue_(queue),
      store_(store),
      write_errors_(write_errors),
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
  if (std::find(write_.operations.begin(), write_.operations.end(), key) == write_.operations.end())
    write_.operations.push_back(std::move(key));
}

void StoreWriterLoop::note_write_error() {
  metrics_.store_errors.fetch_add(1, std::memory_order_relaxed);
  if (write_errors_) write_errors_->report(store_.last_error());
  if (store_.last_failure_was_storage()) refuse_for_storage();
}

void StoreWriterLoop::refuse_for_storage() {
  storage_failed_ = true;
  storage_retry_at_us_ = now_us() + options_.storage_retry_interval.count() * 1000;
  queue_.refuse_storage(
      "the collector cannot store data: " + store_.last_error() +
      " (is the disk of its database full, or its server down?); nothing of this was "
      "stored, retry later");
  metrics_.store_refusing.store(1, std::memory_order_relaxed);
}

void StoreWriterLoop::end_storage_refusal() {
  storage_failed_ = false;
  storage_retry_at_us_ = 0;
  queue_.accept_storage();
  metrics_.store_refusing.store(0, std::memory_order_relaxed);
}

void StoreWriterLoop::retry_storage(std::int64_t now) {
  if (storage_retry_at_us_ == 0 || now < storage_retry_at_us_) return;
  // The next batch tries; storage_failed_ stays until a write succeeds.
  storage_retry_at_us_ = 0;
  queue_.reopen_storage();
}

bool StoreWriterLoop::commit_write() {
  const bool ok = store_.write(write_);
  if (ok) {
    for (auto& op : write_.operations) operations_.insert(std::move(op));
    if (storage_failed_) end_storage_refusal();
  } else {
    note_write_error();
  }
  write_.clear();
  return ok;
}

bool StoreWriterLoop::summarize(const JoinKey& key, PendingSpan* pending, std::int64_t now) {
  std::span<const PacketMeta> metas;
  std::span<const HopSample> hops;
  bool ids_lost = pending ? pending->ids_lost : false;
  // Packets summarized before (a long span, late packets, a restart) are in
  // the store only: read them all back.
  if (!pending || stored_packets_.count(key)) {
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
  SummaryWrite& w = write_.summaries.emplace_back();
  w.summary = collector::summarize(key, metas, hops, names_);
  w.summary.ids_lost = ids_lost;
  w.json = summary_to_json(w.summary);
  w.updated_us = now;
  note_operation(kIoamService, kNetworkOperation);
  for (const HopSummary& h : w.summary.hops) note_operation(kIoamService, hop_operation_name(h));
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
  write_.clear();
  // Which of them were summarized before: one lookup for the whole pass.
  if (!due_.empty() && !store_.network_packets(due_, stored_packets_)) {
    note_write_error();
    return false;
  }
  for (const JoinKey& key : due_)
    if (!summarize(key, joiner_.find(key), now)) return false;
  if (!add_merged_networks(now, everything)) {
    note_write_error();
    write_.clear();
    return false;
  }
  if (write_.summaries.empty()) return true;
  const std::size_t written = write_.summaries.size();
  derived_.clear();
  if (exporter_)
    for (const SummaryWrite& s : write_.summaries) append_network_spans(s.summary, derived_);
  const bool ok = commit_write();
  end_merged_networks(ok);
  if (!ok) return false;
  for (const JoinKey& key : due_) joiner_.erase(key);
  metrics_.join_pending_keys.store(static_cast<std::int64_t>(joiner_.size()),
                                   std::memory_order_relaxed);
  metrics_.network_spans_written.fetch_add(written, std::memory_order_relaxed);
  if (!exporter_) return true;
  derived_stored_.resize(derived_.size());
  for (std::size_t i = 0; i < derived_.size(); ++i)
    jaeger_to_stored(derived_[i], derived_stored_[i]);
  exporter_->enqueue(std::move(derived_stored_));
  derived_stored_.clear();
  return true;
}

namespace {

// A stored aggregate (clt.v1.SpanSummary bytes) read back; false when
// unreadable.
bool read_stored_aggregate(const std::string& bytes, clt::v1::SpanSummary& message,
                           aggregate::SpanAggregate& out) {
  std::string error;
  return message.ParseFromString(bytes) && aggregate::decode_summary(message, out, error);
}

}  // namespace

void StoreWriterLoop::add_network(const JoinKey& key, const aggregate::SpanAggregate& a,
                                  std::int64_t now) {
  SummaryWrite& w = write_.summaries.emplace_back();
  w.summary = collector::summarize(key, a, names_);
  w.json = summary_to_json(w.summary);
  w.updated_us = now;
  note_operation(kIoamService, kNetworkOperation);
  for (const HopSummary& h : w.summary.hops) note_operation(kIoamService, hop_operation_name(h));
}

bool StoreWriterLoop::add_merged_networks(std::int64_t now, bool everything) {
  networked_.clear();
  if (!from_store_.empty()) {
    std::sort(from_store_.begin(), from_store_.end());
    from_store_.erase(std::unique(from_store_.begin(), from_store_.end()), from_store_.end());
    if (!store_.span_aggregates(from_store_, stored_aggregates_)) return false;
    clt::v1::SpanSummary message;
    aggregate::SpanAggregate a;
    for (const JoinKey& key : from_store_) {
      const auto it = stored_aggregates_.find(key);
      // A span merged again since is written from memory.
      if (it == stored_aggregates_.end() || merged_.count(key)) continue;
      a = {};
      if (read_stored_aggregate(it->second, message, a)) add_network(key, a, now);
    }
  }
  std::size_t leaving = 0;  // quiet spans of this pass, forgotten once written
  while (!merge_order_.empty()) {
    const auto [key, touched] = merge_order_.front();
    const bool crowded = merged_.size() - leaving > options_.join.max_pending;
    if (!everything && !crowded && now - touched < options_.join.quiet_us) break;
    merge_order_.pop_front();
    const auto it = merged_.find(key);
    if (it == merged_.end()) continue;
    MergedSpan& m = it->second;
    // A later merge has its own place further back; a span merged for
    // longer than max_wait_us is written meanwhile, so that it shows.
    const bool quiet = m.touched_us == touched;
    const bool waited = m.unwritten_us != 0 && now - m.unwritten_us >= options_.join.max_wait_us;
    if (!quiet && !waited && !everything) continue;
    networked_.push_back({key, m.unwritten_us, quiet});
    leaving += quiet ? 1 : 0;
    if (m.unwritten_us == 0) continue;  // written already, only to forget
    add_network(key, m.aggregate, now);
    m.unwritten_us = 0;
  }
  return true;
}

void StoreWriterLoop::end_merged_networks(bool written) {
  if (written) {
    from_store_.clear();
    for (const Networked& n : networked_)
      if (n.quiet) merged_.erase(n.key);
  } else {
    // Retried by the next pass, in their order.
    for (auto n = networked_.rbegin(); n != networked_.rend(); ++n) {
      const auto it = merged_.find(n->key);
      if (it == merged_.end()) continue;
      it->second.unwritten_us = n->unwritten_us;
      if (n->quiet) merge_order_.emplace_front(n->key, it->second.touched_us);
    }
  }
  networked_.clear();
}

bool StoreWriterLoop::load_merged(const IngestBatch& batch) {
  // Summaries of these spans stored before (earlier flushes, other agents, a
  // restart) are their start: read in one lookup for the batch.
  to_load_.clear();
  for (const ReceivedSummary& r : batch.summaries)
    if (!merged_.count(r.key)) to_load_.push_back(r.key);
  if (to_load_.empty()) return true;
  std::sort(to_load_.begin(), to_load_.end());
  to_load_.erase(std::unique(to_load_.begin(), to_load_.end()), to_load_.end());
  if (!store_.span_aggregates(to_load_, stored_aggregates_)) return false;
  clt::v1::SpanSummary message;
  for (const JoinKey& key : to_load_) {
    MergedSpan& m = merged_[key];
    const auto it = stored_aggregates_.find(key);
    if (it == stored_aggregates_.end()) continue;
    if (!read_stored_aggregate(it->second, message, m.aggregate))
      m.aggregate = {};  // unreadable: this span starts again
  }
  return true;
}

bool StoreWriterLoop::merge_summaries(IngestBatch& batch, std::int64_t now) {
  merged_touched_.clear();
  ++batch_mark_;
  if (!load_merged(batch)) return false;
  for (ReceivedSummary& r : batch.summaries) {
    MergedSpan& m = merged_[r.key];
    if (m.mark != batch_mark_) merged_touched_.push_back(r.key);
    m.mark = batch_mark_;
    m.touched_us = now;
    if (m.unwritten_us == 0) m.unwritten_us = now;
    m.aggregate.merge(r.aggregate);
    if (r.sample_count > 0)
      write_.records.push_back({r.key, !r.key.has_ids() || r.aggregate.ids_lost, r.received_us,
                                r.sample_count, std::string_view(r.samples)});
  }
  clt::v1::SpanSummary message;
  for (const JoinKey& key : merged_touched_) {
    SummaryWrite& w = write_.summaries.emplace_back();
    w.summary.key = key;
    w.network = false;  // written when the span goes quiet
    w.updated_us = now;
    aggregate::encode_summary(merged_[key].aggregate, message);
    message.SerializeToString(&w.aggregate);
    merge_order_.emplace_back(key, now);
  }
  return true;
}

bool StoreWriterLoop::store_batch(IngestBatch& batch) {
  write_.clear();
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
  joiner_.for_each_batch_part([&](const JoinKey& key, PendingSpan& p) {
    write_.records.push_back(
        {key, p.ids_lost, p.batch_first_received_us, p.batch_count, std::string_view(p.batch_raw)});
  });
  write_.spans = batch.spans;
  for (const StoredSpan& s : batch.spans) note_operation(s.service, s.operation);
  const std::int64_t now = now_us();
  if (!batch.summaries.empty() && !merge_summaries(batch, now)) {
    // Merging into what the store could not read would lose it: the batch
    // is refused, and its sender retries.
    note_write_error();
    write_.clear();
    joiner_.abort_batch();
    return false;
  }
  const bool ok = commit_write();
  if (ok) {
    joiner_.end_batch();
  } else {
    joiner_.abort_batch();
    // Not stored: these spans are read back from the store next time, and
    // a network row an earlier batch left unwritten comes from there.
    for (const JoinKey& key : merged_touched_) {
      merged_.erase(key);
      from_store_.push_back(key);
    }
  }
  return ok;
}

bool StoreWriterLoop::process(IngestBatch& batch, std::int64_t now) {
  if (!store_batch(batch)) return false;
  metrics_.store_batches.fetch_add(1, std::memory_order_relaxed);
  metrics_.store_records_written.fetch_add(batch.metas.size(), std::memory_order_relaxed);
  metrics_.store_spans_written.fetch_add(batch.spans.size(), std::memory_order_relaxed);
  if (exporter_ && options_.export_app_spans && !batch.spans.empty())
    exporter_->enqueue(std::move(batch.spans));
  // A summary that cannot be written now is retried with the next batch.
  summarize_due(now, false);
  return true;
}

bool StoreWriterLoop::flush_all(std::int64_t now) {
  return summarize_due(now, true);
}

void StoreWriterLoop::recover() {
  const std::int64_t since = options_.retention_age_us > 0 ? now_us() - options_.retention_age_us
                                                           : now_us() - 3'600'000'000LL;
  const std::vector<JoinKey> keys = store_.keys_needing_summary(since);
  const std::int64_t now = now_us();
  if (!keys.empty()) {
    write_.clear();
    for (const JoinKey& key : keys) summarize(key, nullptr, now);
    const std::size_t written = write_.summaries.size();
    if (commit_write())
      metrics_.network_spans_written.fetch_add(written, std::memory_order_relaxed);
  }
  // Aggregates stored without their network row (it waits for the span to
  // go quiet): a crash came first.
  from_store_ = store_.keys_needing_network(since);
  if (!from_store_.empty()) summarize_due(now, true);
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
  const std::int64_t retention_every_us = options_.retention_interval.count() * 1000;
  for (;;) {
    const bool got = queue_.take(batch, std::chrono::milliseconds(100));
    const std::int64_t now = now_us();
    if (got) {
      queue_.mark_done(batch.seq, process(batch, now));
    } else if (queue_.closed()) {
      if (now - last_retention_us_ >= retention_every_us) apply_retention(now);
      break;
    } else if ((joiner_.size() > 0 || !merge_order_.empty() || !from_store_.empty()) &&
               storage_retry_at_us_ == 0) {
      summarize_due(now, false);
    }
    retry_storage(now);
    if (now - last_retention_us_ >= retention_every_us) apply_retention(now);
  }
  flush_all(now_us());
  store_.checkpoint();
}

}  // namespace clt::collector
