#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace clt::demo {

// `--congest NODE:SPEC`: what to do to a node's link on the traced path.
//   porthos:200ms        fixed delay on porthos's link towards aramis
//   porthos:delay=200ms  the same
//   porthos:rate=1mbit   rate limit on that link: a queue builds under load
struct CongestionSpec {
  enum class Kind { kDelay, kRate };
  Kind kind = Kind::kDelay;
  std::string node;                    // "porthos"
  std::chrono::microseconds delay{0};  // kDelay
  std::string rate;                    // kRate, as tc writes it ("1mbit")
  std::string text;                    // as given, for messages
};

// nullopt with a one-line error on anything else.
std::optional<CongestionSpec> parse_congestion(const std::string& text, std::string& error);

// Where the congestion goes: a node's namespace, its interface towards the
// next node, and the prefix behind that link.
struct CongestionSite {
  std::string netns;        // "clt-demo-porthos"
  std::string device;       // "eth1"
  std::string ingress;      // "eth0": where the traced traffic enters the node
  std::string destination;  // "fd00:2::/64"
  unsigned egress_ioam_id = 0;
};

}  // namespace clt::demo
