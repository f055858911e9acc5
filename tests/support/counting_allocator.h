#pragma once

// Replaces the global operator new/delete of the program that includes this
// header, counting every allocation, so a test or benchmark can show that a
// path allocates nothing. Include it in exactly one file of one program (it
// defines the replacement functions), and compile that file with
// -Wno-mismatched-new-delete.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace clt::testing {

inline std::atomic<std::uint64_t>& allocation_count() {
  static std::atomic<std::uint64_t> count{0};
  return count;
}

inline std::uint64_t allocations() {
  return allocation_count().load(std::memory_order_relaxed);
}

}  // namespace clt::testing

void* operator new(std::size_t n) {
  clt::testing::allocation_count().fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
