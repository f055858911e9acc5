#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace clt::demo {

// `--congest NODE[>NEXT]:SPEC`: what to do to a node's link on the traced path.
//   porthos:200ms          fixed delay on porthos's link towards aramis (requests)
//   porthos>aramis:200ms   the same
//   porthos>athos:200ms    fixed delay on porthos's link towards athos (responses)
//   porthos:delay=200ms    the same as porthos:200ms
//   porthos:rate=1mbit     rate limit on that link: a queue builds under load
struct CongestionSpec {
  enum class Kind { kDelay, kRate };
  // Which way the congested traffic goes: towards the server (the requests)
  // or back towards the client (the responses).
  enum class Direction { kTowardsServer, kTowardsClient };
  Kind kind = Kind::kDelay;
  Direction direction = Direction::kTowardsServer;
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
  // The user-space delay line's TUN device and policy routing table (also the
  // rule's preference): one per direction, so both can be delayed at once.
  std::string delay_device = "cltdelay";
  std::string delay_table = "4242";
  std::string node;       // "porthos"
  std::string next_node;  // "aramis": the node at the end of the link
};

}  // namespace clt::demo
