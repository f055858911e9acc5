#pragma once

// Entering a named network namespace (/run/netns/NAME, as `ip netns add`
// creates it). setns() moves only the calling thread, so code that needs a
// namespace either runs on a thread of its own (run_in_netns) or enters it
// for a scope and comes back (ScopedNetns).

#include <functional>
#include <string>

#include "os/unique_fd.h"

namespace clt::os {

std::string netns_path(const std::string& name);

// Moves the calling thread into the namespace for good. error gets a sentence
// naming the namespace and the reason.
bool enter_netns(const std::string& name, std::string& error);

// Runs fn on a new thread that has entered the namespace; blocks until fn
// returns. false with error (and fn not run) if the namespace cannot be entered.
bool run_in_netns(const std::string& name, const std::function<void()>& fn, std::string& error);

// The calling thread in the namespace for this object's lifetime, then back
// in the namespace it was in.
class ScopedNetns {
 public:
  explicit ScopedNetns(const std::string& name);
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

  bool entered() const { return entered_; }
  const std::string& error() const { return error_; }

 private:
  UniqueFd original_;
  bool entered_ = false;
  std::string error_;
};

}  // namespace clt::os
