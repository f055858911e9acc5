#pragma once

// Runtime messages of a program, through spdlog: "clt <program>: <message>"
// on stderr. Errors that can recur (a peer that keeps failing) go through
// RateLimitedError, which says each reason at most once per interval and how
// many times it happened meanwhile. Per-packet and per-report paths keep
// counters instead and never log.

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace clt::os {

class Log {
 public:
  // program: the prefix, e.g. "agent" for "clt agent: ...". To stderr, or to
  // sink.
  explicit Log(const std::string& program, spdlog::sink_ptr sink = nullptr);

  template <typename... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) {
    logger_->info(format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) {
    logger_->warn(format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) {
    logger_->error(format, std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

class RateLimitedError {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimitedError(Log& log, std::string what, Clock::duration interval = std::chrono::seconds(10));

  // what + ": " + reason, unless said within the interval; a changed reason is
  // said at once. Safe from any thread.
  void report(std::string_view reason, Clock::time_point now = Clock::now());

  std::uint64_t occurrences() const;

 private:
  Log& log_;
  const std::string what_;
  const Clock::duration interval_;
  mutable std::mutex mutex_;
  std::string last_reason_;
  Clock::time_point last_said_{};
  std::uint64_t occurrences_ = 0;
  std::uint64_t unsaid_ = 0;
};

}  // namespace clt::os
