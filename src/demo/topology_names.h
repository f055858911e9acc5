#pragma once

#include <string>

#include "demo/congestion.h"

namespace clt::demo {

// Names and addresses of the default topology (athos -- porthos -- aramis),
// as `clt topo up` creates it with a namespace prefix.
class TopologyNames {
 public:
  explicit TopologyNames(std::string prefix) : prefix_(std::move(prefix)) {}

  std::string netns(const std::string& node) const { return prefix_ + node; }

  // Congestion on porthos goes on its link towards aramis: traced requests
  // enter on eth0 (from athos) and leave on eth1 (IOAM interface id 22).
  CongestionSite congestion_site(const std::string& node) const {
    (void)node;  // only porthos is supported (checked when parsing --congest)
    return {netns("porthos"), "eth1", "eth0", "fd00:2::/64", 22};
  }

 private:
  std::string prefix_;
};

}  // namespace clt::demo
