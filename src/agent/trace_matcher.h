#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "agent/trace_record.h"

namespace clt::agent {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void emit(const TraceRecord& record) = 0;
};

struct MatcherConfig {
  // How long a packet waits for its event (and an event for its packet)
  // before it is reported alone. Covers the ring's block timeout and
  // scheduling delays; events normally follow their packet within microseconds.
  std::uint64_t window_ns = 200'000'000;
  std::size_t capacity = 16384;  // pending entries per side
};

struct MatcherCounters {
  std::uint64_t matched = 0;
  std::uint64_t capture_only = 0;
  std::uint64_t event_only = 0;
  std::uint64_t evicted = 0;          // reported alone early because the pending table was full
  std::uint64_t oversized_event = 0;  // event data larger than any IOAM option: ignored
};

// An IOAM trace event as the matcher needs it (the kernel's attributes).
struct EventView {
  std::uint16_t namespace_id = 0;
  std::uint8_t node_len = 0;
  std::uint32_t trace_type = 0;
  std::span<const std::uint8_t> data;  // local node's entry first
};

// Pairs each captured trace with the kernel's trace event for the same packet.
//
// A packet socket sees a packet before the IPv6 stack processes it, so the
// captured option carries the CLT ids and the entries of the nodes before
// this one. The trace event, emitted when this node fills its own entry,
// carries the filled entries (this node's first) but no ids. The entries the
// packet already had are therefore exactly the tail of the event's data: the
// pair is (same namespace, trace type and NodeLen) and (captured filled
// entries == event data minus the local node's entry), or == the whole event
// data when the node had no room left (overflow). The oldest pending
// candidate wins, which keeps the kernel's order when identical packets
// follow each other. Whatever stays unpaired for window_ns is reported alone:
// a packet with the nodes before this one, an event without ids.
//
// Single-threaded, fixed memory: nothing is allocated after construction.
class TraceMatcher {
 public:
  TraceMatcher(const MatcherConfig& config, TraceSink& sink);

  // record: decoded from a captured packet (node_bytes = its filled entries).
  // expects_event: false when no event can come (events off, or IOAM not
  // enabled on the capture interface): reported at once.
  void on_capture(const TraceRecord& record, bool expects_event, std::uint64_t now_ns);
  // layout: how the namespace is configured (reported with the event).
  void on_event(const EventView& event, core::Layout layout, std::int64_t time_sec,
                std::int32_t time_usec, std::uint64_t now_ns);
  // Reports whatever has waited window_ns or longer.
  void expire(std::uint64_t now_ns);
  // Reports everything still pending (shutdown).
  void flush();

  const MatcherCounters& counters() const { return counters_; }
  std::size_t pending_captures() const { return captures_.live(); }
  std::size_t pending_events() const { return events_.live(); }

 private:
  struct Pending {
    TraceRecord record;
    std::uint64_t arrival_ns = 0;
    std::uint64_t key_hash = 0;  // over node_bytes[key_offset..]
    std::uint64_t whole_hash = 0;
    std::uint16_t key_offset = 0;
    bool live = false;
  };

  // FIFO of pending entries with tombstones for the ones matched out of order.
  class PendingFifo {
   public:
    explicit PendingFifo(std::size_t capacity) : slots_(capacity) {}
    bool full() const { return span_ == slots_.size(); }
    std::size_t live() const { return live_; }
    Pending& push();
    Pending* oldest();  // nullptr when empty
    void pop_oldest();
    void remove(Pending& p);
    template <typename Predicate>
    Pending* find(Predicate&& predicate) {
      for (std::size_t i = 0; i < span_; ++i) {
        Pending& p = slots_[(head_ + i) % slots_.size()];
        if (p.live && predicate(p)) return &p;
      }
      return nullptr;
    }

   private:
    void skip_dead();
    std::vector<Pending> slots_;
    std::size_t head_ = 0;
    std::size_t span_ = 0;  // from head, tombstones included
    std::size_t live_ = 0;
  };

  void report_alone(Pending& p, bool is_capture);
  void emit_merged(const TraceRecord& capture, std::span<const std::uint8_t> event_data);

  MatcherConfig config_;
  TraceSink& sink_;
  PendingFifo captures_;
  PendingFifo events_;
  TraceRecord scratch_;
  MatcherCounters counters_;
};

// Size of the first (local) entry of an event's data: NodeLen words plus the
// opaque state snapshot when the trace type has one. Clamped to the data.
std::size_t local_entry_bytes(std::span<const std::uint8_t> data, std::uint32_t trace_type,
                              std::uint8_t node_len);

std::uint64_t hash_bytes(std::span<const std::uint8_t> bytes);

}  // namespace clt::agent
