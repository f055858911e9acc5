#pragma once

#include <functional>
#include <string>

namespace clt::demo {

// Runs fn on a new thread that has entered the named network namespace
// (/run/netns/NAME): sockets it creates live there, while the rest of the
// process stays where it was. Blocks until fn returns. Returns false with
// error if the namespace cannot be entered (fn is not run then).
bool run_in_netns(const std::string& netns, const std::function<void()>& fn, std::string& error);

// Enters the namespace on the calling thread (for a thread that lives there).
bool enter_netns(const std::string& netns, std::string& error);

}  // namespace clt::demo
