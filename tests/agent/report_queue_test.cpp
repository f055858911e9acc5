#include "agent/report_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace clt::agent {
namespace {

TraceRecord record(std::uint16_t ns) {
  TraceRecord r;
  r.namespace_id = ns;
  return r;
}

TEST(ReportQueue, BoundedAndNeverBlocking) {
  ReportQueue q(3);
  EXPECT_TRUE(q.try_push(record(1)));
  EXPECT_TRUE(q.try_push(record(2)));
  EXPECT_TRUE(q.try_push(record(3)));
  EXPECT_FALSE(q.try_push(record(4)));
  EXPECT_EQ(q.queued(), 3u);
}

TEST(ReportQueue, LocalOutputReadsAheadOfTheCollector) {
  ReportQueue q(2);
  ASSERT_TRUE(q.try_push(record(1)));
  ASSERT_TRUE(q.try_push(record(2)));
  EXPECT_EQ(q.peek_send(), nullptr);  // local outputs see it first
  ASSERT_NE(q.peek_local(), nullptr);
  EXPECT_EQ(q.peek_local()->namespace_id, 1);
  q.advance_local();
  q.advance_local();
  EXPECT_EQ(q.peek_local(), nullptr);
  EXPECT_EQ(q.sendable(), 2u);
  EXPECT_FALSE(q.try_push(record(3)));  // not sent yet: still occupies its slot
  ASSERT_NE(q.peek_send(), nullptr);
  EXPECT_EQ(q.peek_send()->namespace_id, 1);
  q.advance_send();
  EXPECT_TRUE(q.try_push(record(3)));
  q.advance_local();
  q.release_to_local();
  EXPECT_EQ(q.queued(), 0u);
}

TEST(ReportQueue, KeepsOrderAcrossThreads) {
  ReportQueue q(64);
  constexpr int kCount = 5000;
  std::thread producer([&] {
    for (int i = 0; i < kCount;) {
      if (q.try_push(record(static_cast<std::uint16_t>(i)))) {
        ++i;
      } else {
        std::this_thread::yield();
      }
    }
  });
  int next = 0;
  while (next < kCount) {
    if (const TraceRecord* r = q.peek_local()) {
      ASSERT_EQ(r->namespace_id, static_cast<std::uint16_t>(next));
      q.advance_local();
      q.release_to_local();
      ++next;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
}

}  // namespace
}  // namespace clt::agent
