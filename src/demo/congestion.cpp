#include "demo/congestion.h"

#include <cctype>
#include <charconv>

namespace clt::demo {

namespace {

std::optional<std::chrono::microseconds> parse_duration(const std::string& s) {
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || value < 0) return std::nullopt;
  std::string unit(end, s.data() + s.size());
  double us;
  if (unit == "ms") {
    us = value * 1000;
  } else if (unit == "us") {
    us = value;
  } else if (unit == "s") {
    us = value * 1e6;
  } else {
    return std::nullopt;
  }
  if (us > 10e6) return std::nullopt;
  return std::chrono::microseconds(static_cast<long long>(us));
}

bool valid_rate(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return false;
  std::string unit = s.substr(i);
  for (const char* u : {"bit", "kbit", "mbit", "gbit", "bps", "kbps", "mbps"}) {
    if (unit == u) return true;
  }
  return false;
}

}  // namespace

std::optional<CongestionSpec> parse_congestion(const std::string& text, std::string& error) {
  CongestionSpec spec;
  spec.text = text;
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    error = "--congest '" + text +
            "': expected NODE:DELAY or NODE:rate=RATE (e.g. porthos:200ms, porthos:rate=1mbit)";
    return std::nullopt;
  }
  spec.node = text.substr(0, colon);
  std::string what = text.substr(colon + 1);
  if (auto arrow = spec.node.find('>'); arrow != std::string::npos) {
    const std::string next = spec.node.substr(arrow + 1);
    spec.node.resize(arrow);
    if (next == "athos") {
      spec.direction = CongestionSpec::Direction::kTowardsClient;
    } else if (next != "aramis") {
      error = "--congest '" + text +
              "': porthos links to aramis (porthos>aramis, the requests) and to athos "
              "(porthos>athos, the responses)";
      return std::nullopt;
    }
  }
  if (spec.node != "porthos") {
    error = "--congest '" + text +
            "': only porthos (the router; congestion goes on its link towards aramis, or with "
            "porthos>athos towards athos) is supported";
    return std::nullopt;
  }
  if (what.rfind("rate=", 0) == 0) {
    spec.kind = CongestionSpec::Kind::kRate;
    spec.rate = what.substr(5);
    if (!valid_rate(spec.rate)) {
      error = "--congest '" + text + "': rate must be a number with a unit: bit, kbit, mbit, gbit";
      return std::nullopt;
    }
    return spec;
  }
  if (what.rfind("delay=", 0) == 0) what = what.substr(6);
  auto delay = parse_duration(what);
  if (!delay) {
    error = "--congest '" + text + "': delay must be a number with a unit: us, ms or s (<= 10 s)";
    return std::nullopt;
  }
  spec.kind = CongestionSpec::Kind::kDelay;
  spec.delay = *delay;
  return spec;
}

}  // namespace clt::demo
