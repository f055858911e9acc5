#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "demo/child_processes.h"
#include "demo/congestion.h"

namespace clt::demo {

// Applies and removes congestion on one link. A delay uses `tc netem` when the
// kernel has it, otherwise the user-space delay line (`clt demo service delay`)
// with policy routing; a rate limit uses `tc tbf`. Changes replace the
// previous state as a whole, so toggling one kind keeps the other.
class CongestionControl {
 public:
  CongestionControl(CongestionSite site, ChildProcesses& children, std::string clt_binary)
      : site_(std::move(site)), children_(children), clt_binary_(std::move(clt_binary)) {}

  // Sets the desired state; on failure returns false with error and leaves
  // the link without congestion.
  bool set(std::optional<std::chrono::microseconds> delay, std::optional<std::string> rate,
           std::string& error);
  void clear();

  const std::optional<std::chrono::microseconds>& delay() const { return delay_; }
  const std::optional<std::string>& rate() const { return rate_; }
  // "delay 200ms (tc netem)", "rate 1mbit (tc tbf)", "none"
  std::string describe() const;
  // "porthos > aramis"
  std::string link() const;

 private:
  bool start_delay_line(std::chrono::microseconds delay, std::string& error);
  void stop_delay_line();
  std::string delay_line_child() const;
  int tc(const std::vector<std::string>& args, std::string* output = nullptr);

  CongestionSite site_;
  ChildProcesses& children_;
  std::string clt_binary_;
  std::optional<bool> netem_available_;
  std::optional<std::chrono::microseconds> delay_;
  std::optional<std::string> rate_;
  bool delay_line_running_ = false;
  bool root_qdisc_set_ = false;
};

}  // namespace clt::demo
