#include "os/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace clt::os {

Log::Log(const std::string& program, spdlog::sink_ptr sink)
    : logger_(std::make_shared<spdlog::logger>(
          program, sink ? std::move(sink) : std::make_shared<spdlog::sinks::stderr_sink_mt>())) {
  logger_->set_pattern("clt " + program + ": %v");
  logger_->set_level(spdlog::level::info);
  logger_->flush_on(spdlog::level::info);
}

RateLimitedError::RateLimitedError(Log& log, std::string what, Clock::duration interval)
    : log_(log), what_(std::move(what)), interval_(interval) {}

void RateLimitedError::report(std::string_view reason, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++occurrences_;
  const bool first = occurrences_ == 1;
  if (!first && reason == last_reason_ && now - last_said_ < interval_) {
    ++unsaid_;
    return;
  }
  if (unsaid_ > 0 && reason == last_reason_) {
    log_.error("{}: {} (and {} more times since it was last said)", what_, reason, unsaid_);
  } else {
    log_.error("{}: {}", what_, reason);
  }
  last_reason_ = reason;
  last_said_ = now;
  unsaid_ = 0;
}

std::uint64_t RateLimitedError::occurrences() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return occurrences_;
}

}  // namespace clt::os
