#include "topo/topology_parser.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/text_excerpt.h"

namespace clt::topo {

namespace {

// Thrown inside the parser only, turned into "SOURCE:LINE: problem".
struct ParseError {
  std::string message;
};

[[noreturn]] void fail(std::string message) {
  throw ParseError{std::move(message)};
}

// What the file said, bounded and escaped: a name of 1 MB or raw binary
// bytes must not be echoed whole.
std::string q(std::string_view text) {
  return core::quoted_excerpt(text);
}

std::vector<std::string_view> split_words(std::string_view line) {
  if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::uint64_t parse_number(std::string_view text, std::uint64_t max, std::string_view what) {
  std::uint64_t v = 0;
  int base = 10;
  std::string_view digits = text;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size())
    fail(std::string(what) + " '" + q(text) + "' is not a number");
  if (v > max)
    fail(std::string(what) + " " + q(text) + " is too large (at most " + std::to_string(max) + ")");
  return v;
}

bool valid_name(std::string_view name, std::size_t max_len) {
  if (name.empty() || name.size() > max_len) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool valid_ipv6(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char out[16];
  return inet_pton(AF_INET6, buf, out) == 1;
}

void check_prefix(std::string_view text, std::string_view what) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos)
    fail(std::string(what) + " '" + q(text) + "' needs a prefix length, e.g. fd00:1::1/64");
  if (!valid_ipv6(text.substr(0, slash)))
    fail(std::string(what) + " '" + q(text) + "' is not an IPv6 address");
  parse_number(text.substr(slash + 1), 128, "prefix length");
}

// Matches tc's forms loosely but strictly enough that tc will not choke:
// digits with an optional fraction and one of the given units.
bool valid_quantity(std::string_view text, std::initializer_list<std::string_view> units) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) return false;
  std::string_view unit = text.substr(i);
  for (auto u : units)
    if (unit == u) return true;
  return false;
}

class Parser {
 public:
  explicit Parser(Topology& t) : t_(t) {}

  void line(int number, const std::vector<std::string_view>& w) {
    line_ = number;
    const std::string_view keyword = w[0];
    if (keyword == "node") return node(w);
    if (keyword == "link") return link(w);
    if (keyword == "route") return route(w);
    if (keyword == "ioam-namespace") return ioam_namespace(w);
    if (keyword == "ioam-schema") return ioam_schema(w);
    if (keyword == "ioam-interface") return ioam_interface(w);
    if (keyword == "netem") return netem(w);
    if (keyword == "shape") return shape(w);
    fail("unknown keyword '" + q(keyword) +
         "' (expected node, link, route, ioam-namespace, ioam-schema, ioam-interface, netem or "
         "shape)");
  }

  // Checks that need the whole file.
  void finish() {
    for (const auto& ns : t_.namespaces) {
      if (!ns.schema) continue;
      if (schemas_.count({ns.node, *ns.schema}) == 0) {
        line_ = ns.line;
        fail("schema " + std::to_string(*ns.schema) + " is not declared on node " + ns.node +
             " (add `ioam-schema " + ns.node + " " + std::to_string(*ns.schema) + " DATA`)");
      }
    }
    if (t_.nodes.empty()) {
      line_ = 0;
      fail("no node declared (a topology needs at least `node NAME id N`)");
    }
  }

  int current_line() const { return line_; }

 private:
  void expect_at_least(const std::vector<std::string_view>& w, std::size_t n, const char* usage) {
    if (w.size() < n) fail(std::string("too few words; usage: ") + usage);
  }

  const Node& known_node(std::string_view name) {
    if (auto it = nodes_.find(std::string(name)); it != nodes_.end()) return t_.nodes[it->second];
    fail("node '" + q(name) + "' is not declared (add `node " + q(name) +
         " id N` before this line)");
  }

  // "node:interface" where the interface must exist (made by a link).
  std::pair<std::string, std::string> existing_interface(std::string_view text) {
    auto [node, itf] = split_endpoint(text);
    known_node(node);
    if (link_of_interface_.count({node, itf})) return {node, itf};
    fail("interface " + node + ":" + itf + " is not created by any link above this line");
  }

  std::pair<std::string, std::string> split_endpoint(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
      fail("'" + q(text) + "' must be NODE:INTERFACE, e.g. athos:eth0");
    std::string_view node = text.substr(0, colon);
    std::string_view itf = text.substr(colon + 1);
    if (!valid_name(itf, 15))
      fail("interface name '" + q(itf) + "' must be 1-15 letters, digits, '-', '_' or '.'");
    return {std::string(node), std::string(itf)};
  }

  void node(const std::vector<std::string_view>& w) {
    const char* usage = "node NAME id N [id-wide N] [forwarding]";
    expect_at_least(w, 4, usage);
    Node n;
    n.line = line_;
    n.name = std::string(w[1]);
    if (!valid_name(n.name, 32))
      fail("node name '" + q(n.name) + "' must be 1-32 letters, digits, '-', '_' or '.'");
    if (nodes_.count(n.name)) fail("node '" + n.name + "' is declared twice");
    bool has_id = false;
    for (std::size_t i = 2; i < w.size(); ++i) {
      if (w[i] == "id" && i + 1 < w.size()) {
        n.ioam_id = static_cast<std::uint32_t>(parse_number(w[++i], 0xffffff, "node id"));
        has_id = true;
      } else if (w[i] == "id-wide" && i + 1 < w.size()) {
        n.ioam_id_wide = parse_number(w[++i], 0x00ffffffffffffffULL, "wide node id");
      } else if (w[i] == "forwarding") {
        n.forwarding = true;
      } else {
        fail("unexpected '" + q(w[i]) + "'; usage: " + usage);
      }
    }
    if (!has_id) fail(std::string("missing IOAM node id; usage: ") + usage);
    nodes_.emplace(n.name, t_.nodes.size());
    t_.nodes.push_back(std::move(n));
  }

  Endpoint endpoint(std::string_view where, std::string_view address) {
    auto [node, itf] = split_endpoint(where);
    known_node(node);
    if (auto it = link_of_interface_.find({node, itf}); it != link_of_interface_.end())
      fail("interface " + node + ":" + itf + " is already used by the link on line " +
           std::to_string(it->second));
    check_prefix(address, "address");
    return Endpoint{node, itf, std::string(address)};
  }

  void link(const std::vector<std::string_view>& w) {
    const char* usage = "link NODE:IF ADDRESS/LEN NODE:IF ADDRESS/LEN";
    if (w.size() != 5) fail(std::string("wrong number of words; usage: ") + usage);
    Link l;
    l.line = line_;
    l.a = endpoint(w[1], w[2]);
    l.b = endpoint(w[3], w[4]);
    if (l.a.node == l.b.node && l.a.interface == l.b.interface)
      fail("a link needs two different interfaces");
    link_of_interface_.emplace(Key{l.a.node, l.a.interface}, l.line);
    link_of_interface_.emplace(Key{l.b.node, l.b.interface}, l.line);
    t_.links.push_back(std::move(l));
  }

  void route(const std::vector<std::string_view>& w) {
    const char* usage = "route NODE PREFIX|default via ADDRESS";
    if (w.size() != 5 || w[3] != "via") fail(std::string("malformed route; usage: ") + usage);
    Route r;
    r.line = line_;
    r.node = known_node(w[1]).name;
    if (w[2] != "default") check_prefix(w[2], "route prefix");
    r.prefix = std::string(w[2]);
    if (!valid_ipv6(w[4])) fail("gateway '" + q(w[4]) + "' is not an IPv6 address");
    r.via = std::string(w[4]);
    t_.routes.push_back(std::move(r));
  }

  void ioam_namespace(const std::vector<std::string_view>& w) {
    const char* usage = "ioam-namespace NODE ID [data HEX32] [wide HEX64] [schema SCHEMA-ID]";
    expect_at_least(w, 3, usage);
    IoamNamespace ns;
    ns.line = line_;
    ns.node = known_node(w[1]).name;
    ns.id = static_cast<std::uint16_t>(parse_number(w[2], 0xfffe, "IOAM namespace id"));
    if (auto it = namespaces_.find({ns.node, ns.id}); it != namespaces_.end())
      fail("namespace " + std::to_string(ns.id) + " is already declared on " + ns.node + " (line " +
           std::to_string(it->second) + ")");
    for (std::size_t i = 3; i < w.size(); ++i) {
      if (i + 1 >= w.size()) fail(std::string("missing value; usage: ") + usage);
      if (w[i] == "data") {
        ns.data = static_cast<std::uint32_t>(parse_number(w[++i], 0xfffffffe, "namespace data"));
      } else if (w[i] == "wide") {
        ns.data_wide = parse_number(w[++i], 0xfffffffffffffffeULL, "wide namespace data");
      } else if (w[i] == "schema") {
        ns.schema = static_cast<std::uint32_t>(parse_number(w[++i], 0xffffff, "schema id"));
      } else {
        fail("unexpected '" + q(w[i]) + "'; usage: " + usage);
      }
    }
    namespaces_.emplace(std::make_pair(ns.node, ns.id), ns.line);
    t_.namespaces.push_back(std::move(ns));
  }

  void ioam_schema(const std::vector<std::string_view>& w) {
    const char* usage = "ioam-schema NODE SCHEMA-ID DATA";
    if (w.size() != 4) fail(std::string("wrong number of words; usage: ") + usage);
    IoamSchema s;
    s.line = line_;
    s.node = known_node(w[1]).name;
    s.id = static_cast<std::uint32_t>(parse_number(w[2], 0xffffff, "schema id"));
    if (schemas_.count({s.node, s.id}))
      fail("schema " + std::to_string(s.id) + " is already declared on " + s.node);
    if (w[3].size() > 255 * 4) fail("schema data is longer than 1020 bytes");
    s.data = std::string(w[3]);
    schemas_.emplace(s.node, s.id);
    t_.schemas.push_back(std::move(s));
  }

  void ioam_interface(const std::vector<std::string_view>& w) {
    const char* usage = "ioam-interface NODE:IF id N [wide N] [enabled|disabled]";
    expect_at_least(w, 4, usage);
    IoamInterface i;
    i.line = line_;
    std::tie(i.node, i.interface) = existing_interface(w[1]);
    if (auto it = ioam_interfaces_.find({i.node, i.interface}); it != ioam_interfaces_.end())
      fail("IOAM of " + i.node + ":" + i.interface + " is already set on line " +
           std::to_string(it->second));
    bool has_id = false;
    for (std::size_t k = 2; k < w.size(); ++k) {
      if (w[k] == "id" && k + 1 < w.size()) {
        i.id = static_cast<std::uint16_t>(parse_number(w[++k], 0xffff, "interface id"));
        has_id = true;
      } else if (w[k] == "wide" && k + 1 < w.size()) {
        i.id_wide = static_cast<std::uint32_t>(parse_number(w[++k], 0xffffffff, "wide id"));
      } else if (w[k] == "enabled") {
        i.enabled = true;
      } else if (w[k] == "disabled") {
        i.enabled = false;
      } else {
        fail("unexpected '" + q(w[k]) + "'; usage: " + usage);
      }
    }
    if (!has_id) fail(std::string("missing interface id; usage: ") + usage);
    ioam_interfaces_.emplace(Key{i.node, i.interface}, i.line);
    t_.interfaces.push_back(std::move(i));
  }

  void netem(const std::vector<std::string_view>& w) {
    const char* usage =
        "netem NODE:IF [delay TIME [jitter TIME]] [rate RATE] [loss PERCENT%] [limit PACKETS]";
    expect_at_least(w, 4, usage);
    Netem n;
    n.line = line_;
    std::tie(n.node, n.interface) = existing_interface(w[1]);
    if (auto it = netems_.find({n.node, n.interface}); it != netems_.end())
      fail("netem on " + n.node + ":" + n.interface + " is already set on line " +
           std::to_string(it->second));
    if (auto it = shapes_.find({n.node, n.interface}); it != shapes_.end())
      fail("shape is already set on " + n.node + ":" + n.interface + " (line " +
           std::to_string(it->second) + "): one root qdisc per interface");
    const std::initializer_list<std::string_view> times = {"us", "ms", "s"};
    for (std::size_t k = 2; k < w.size(); ++k) {
      if (k + 1 >= w.size()) fail(std::string("missing value; usage: ") + usage);
      const std::string_view key = w[k];
      const std::string_view value = w[++k];
      if (key == "delay") {
        if (!valid_quantity(value, times)) fail("delay '" + q(value) + "' must be like 10ms");
        n.delay = std::string(value);
      } else if (key == "jitter") {
        if (!valid_quantity(value, times)) fail("jitter '" + q(value) + "' must be like 2ms");
        n.jitter = std::string(value);
      } else if (key == "rate") {
        if (!valid_quantity(value, {"bit", "kbit", "mbit", "gbit", "bps", "kbps", "mbps"}))
          fail("rate '" + q(value) + "' must be like 10mbit");
        n.rate = std::string(value);
      } else if (key == "loss") {
        if (!valid_quantity(value, {"%"})) fail("loss '" + q(value) + "' must be like 1%");
        n.loss = std::string(value);
      } else if (key == "limit") {
        parse_number(value, 1000000, "limit");
        n.limit = std::string(value);
      } else {
        fail("unexpected '" + q(key) + "'; usage: " + usage);
      }
    }
    if (!n.jitter.empty() && n.delay.empty()) fail("jitter needs a delay");
    netems_.emplace(Key{n.node, n.interface}, n.line);
    t_.netems.push_back(std::move(n));
  }

  void shape(const std::vector<std::string_view>& w) {
    const char* usage = "shape NODE:IF rate RATE [burst SIZE] [latency TIME]";
    expect_at_least(w, 4, usage);
    Shape s;
    s.line = line_;
    std::tie(s.node, s.interface) = existing_interface(w[1]);
    if (auto it = netems_.find({s.node, s.interface}); it != netems_.end())
      fail("netem is already set on " + s.node + ":" + s.interface + " (line " +
           std::to_string(it->second) + "): one root qdisc per interface");
    if (auto it = shapes_.find({s.node, s.interface}); it != shapes_.end())
      fail("shape on " + s.node + ":" + s.interface + " is already set on line " +
           std::to_string(it->second));
    s.burst = "32kb";
    s.latency = "100ms";
    for (std::size_t k = 2; k < w.size(); ++k) {
      if (k + 1 >= w.size()) fail(std::string("missing value; usage: ") + usage);
      const std::string_view key = w[k];
      const std::string_view value = w[++k];
      if (key == "rate") {
        if (!valid_quantity(value, {"bit", "kbit", "mbit", "gbit", "bps", "kbps", "mbps"}))
          fail("rate '" + q(value) + "' must be like 10mbit");
        s.rate = std::string(value);
      } else if (key == "burst") {
        if (!valid_quantity(value, {"b", "kb", "mb", "k", "m"}))
          fail("burst '" + q(value) + "' must be like 32kb");
        s.burst = std::string(value);
      } else if (key == "latency") {
        if (!valid_quantity(value, {"us", "ms", "s"}))
          fail("latency '" + q(value) + "' must be like 100ms");
        s.latency = std::string(value);
      } else {
        fail("unexpected '" + q(key) + "'; usage: " + usage);
      }
    }
    if (s.rate.empty()) fail(std::string("missing rate; usage: ") + usage);
    shapes_.emplace(Key{s.node, s.interface}, s.line);
    t_.shapes.push_back(std::move(s));
  }

  // Indexes of what was declared, so that each line is checked in
  // logarithmic time (a file of 200,000 lines parses in a fraction of a
  // second): (node, interface) -> line.
  using Key = std::pair<std::string, std::string>;
  Topology& t_;
  int line_ = 0;
  std::unordered_map<std::string, std::size_t> nodes_;  // name -> index in t_.nodes
  std::map<Key, int> link_of_interface_;
  std::map<Key, int> ioam_interfaces_;
  std::map<Key, int> netems_;
  std::map<Key, int> shapes_;
  std::map<std::pair<std::string, std::uint16_t>, int> namespaces_;
  std::set<std::pair<std::string, std::uint32_t>> schemas_;
};

}  // namespace

std::optional<Topology> parse_topology(std::string_view text, std::string_view source,
                                       std::string& error) {
  Topology t;
  Parser parser(t);
  try {
    int number = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      ++number;
      const auto words = split_words(text.substr(pos, end - pos));
      if (!words.empty()) parser.line(number, words);
      pos = end + 1;
    }
    parser.finish();
  } catch (const ParseError& e) {
    error = std::string(source) + ":" + std::to_string(parser.current_line()) + ": " + e.message;
    return std::nullopt;
  }
  return t;
}

}  // namespace clt::topo
