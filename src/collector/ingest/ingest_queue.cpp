#include "collector/ingest/ingest_queue.h"

#include <utility>

namespace clt::collector {

void IngestBatch::clear() {
  keys.clear();
  metas.clear();
  hops.clear();
  raw_ends.clear();
  raw.clear();
  spans.clear();
  span_bytes = 0;
  summaries.clear();
  summary_bytes = 0;
}

IngestQueue::IngestQueue(std::size_t max_bytes, Metrics& metrics)
    : max_bytes_(max_bytes), metrics_(metrics) {
  current_.seq = 1;
}

bool IngestQueue::wait_for_room(std::unique_lock<std::mutex>& lock, std::size_t bytes, bool block) {
  while (!closed_ && current_.bytes() > 0 && current_.bytes() + bytes > max_bytes_) {
    if (!block) return false;
    wake_writer();
    room_cv_.wait(lock);
  }
  return !closed_;
}

void IngestQueue::wake_writer() {
  if (writer_waiting_) writer_cv_.notify_one();
}

std::uint64_t IngestQueue::add_report(const JoinKey& key, const PacketMeta& meta,
                                      const std::vector<HopSample>& hops, std::string_view raw,
                                      bool block) {
  std::unique_lock lock(mu_);
  const std::size_t bytes = raw.size() + hops.size() * sizeof(HopSample) + sizeof(PacketMeta);
  if (!wait_for_room(lock, bytes, block)) return 0;
  current_.keys.push_back(key);
  current_.metas.push_back(meta);
  current_.hops.insert(current_.hops.end(), hops.begin(), hops.end());
  current_.raw.append(raw);
  current_.raw_ends.push_back(static_cast<std::uint32_t>(current_.raw.size()));
  metrics_.ingest_queue_bytes.store(static_cast<std::int64_t>(current_.bytes()),
                                    std::memory_order_relaxed);
  wake_writer();
  return current_.seq;
}

std::uint64_t IngestQueue::add_spans(std::vector<StoredSpan>&& spans, bool block) {
  std::size_t bytes = 0;
  for (const auto& s : spans) bytes += s.bytes();
  std::unique_lock lock(mu_);
  if (!wait_for_room(lock, bytes, block)) return 0;
  if (current_.spans.empty()) {
    current_.spans = std::move(spans);
  } else {
    for (auto& s : spans) current_.spans.push_back(std::move(s));
  }
  current_.span_bytes += bytes;
  metrics_.ingest_queue_bytes.store(static_cast<std::int64_t>(current_.bytes()),
                                    std::memory_order_relaxed);
  wake_writer();
  return current_.seq;
}

std::uint64_t IngestQueue::add_summaries(std::vector<ReceivedSummary>& summaries, bool block) {
  std::size_t bytes = 0;
  for (const auto& s : summaries)
    bytes += sizeof(ReceivedSummary) + s.samples.size() +
             s.aggregate.hop_count * sizeof(aggregate::HopAggregate);
  std::unique_lock lock(mu_);
  if (!wait_for_room(lock, bytes, block)) return 0;
  for (auto& s : summaries) current_.summaries.push_back(std::move(s));
  summaries.clear();
  current_.summary_bytes += bytes;
  metrics_.ingest_queue_bytes.store(static_cast<std::int64_t>(current_.bytes()),
                                    std::memory_order_relaxed);
  wake_writer();
  return current_.seq;
}

IngestQueue::Outcome IngestQueue::wait_committed(std::uint64_t seq,
                                                 std::chrono::milliseconds timeout,
                                                 std::uint64_t failures_before) {
  std::unique_lock lock(mu_);
  const bool done = done_cv_.wait_for(lock, timeout, [&] { return done_seq_ >= seq || closed_; });
  if (done_seq_ >= seq) {
    if (!ok_[seq % kResults]) return Outcome::failed;
    if (failures_before == kThisBatchOnly) return Outcome::committed;
    // Once the ring moved past seq, whether a batch failed meanwhile is not
    // known any more: not acknowledged, the sender retries.
    if (done_seq_ - seq >= kResults) return Outcome::failed;
    return failures_through_[seq % kResults] == failures_before ? Outcome::committed
                                                                : Outcome::failed;
  }
  if (!done) return Outcome::timeout;
  return Outcome::closed;
}

std::uint64_t IngestQueue::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

void IngestQueue::refuse_storage(std::string reason) {
  std::lock_guard lock(mu_);
  storage_reason_ = std::move(reason);
  storage_refused_.store(true, std::memory_order_release);
}

void IngestQueue::reopen_storage() {
  storage_refused_.store(false, std::memory_order_release);
}

void IngestQueue::accept_storage() {
  std::lock_guard lock(mu_);
  storage_refused_.store(false, std::memory_order_release);
  storage_reason_.clear();
}

bool IngestQueue::storage_refused(std::string& reason) const {
  if (!storage_refused_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mu_);
  reason = storage_reason_;
  return !reason.empty();
}

bool IngestQueue::storage_failing(std::string& reason) const {
  std::lock_guard lock(mu_);
  reason = storage_reason_;
  return !reason.empty();
}

bool IngestQueue::take(IngestBatch& out, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (current_.empty() && !closed_) {
    writer_waiting_ = true;
    writer_cv_.wait_for(lock, wait, [&] { return !current_.empty() || closed_; });
    writer_waiting_ = false;
  }
  if (current_.empty()) return false;
  out.clear();
  std::swap(out, current_);
  current_.seq = out.seq + 1;
  metrics_.ingest_queue_bytes.store(0, std::memory_order_relaxed);
  room_cv_.notify_all();
  return true;
}

void IngestQueue::mark_done(std::uint64_t seq, bool ok) {
  {
    std::lock_guard lock(mu_);
    ok_[seq % kResults] = ok;
    if (!ok) ++failures_;
    failures_through_[seq % kResults] = failures_;
    done_seq_ = seq;
  }
  done_cv_.notify_all();
}

void IngestQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  writer_cv_.notify_all();
  room_cv_.notify_all();
  done_cv_.notify_all();
}

bool IngestQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace clt::collector
