#include "demo/request_report.h"

#include <algorithm>
#include <cstdio>

namespace clt::demo {

namespace {

using nlohmann::json;

const json* find_tag(const json& span, std::string_view key) {
  auto tags = span.find("tags");
  if (tags == span.end() || !tags->is_array()) return nullptr;
  for (const auto& t : *tags) {
    auto k = t.find("key");
    if (k != t.end() && k->is_string() && k->get_ref<const std::string&>() == key) {
      auto v = t.find("value");
      return v == t.end() ? nullptr : &*v;
    }
  }
  return nullptr;
}

std::optional<std::int64_t> tag_int(const json& span, std::string_view key) {
  const json* v = find_tag(span, key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_number()) return static_cast<std::int64_t>(v->get<double>());
  if (v->is_string()) {
    try {
      return std::stoll(v->get<std::string>());
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string tag_string(const json& span, std::string_view key) {
  const json* v = find_tag(span, key);
  if (!v) return {};
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

bool tag_bool(const json& span, std::string_view key) {
  const json* v = find_tag(span, key);
  if (!v) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) return v->get<std::string>() == "true";
  return false;
}

std::string parent_of(const json& span) {
  auto refs = span.find("references");
  if (refs == span.end() || !refs->is_array()) return {};
  for (const auto& r : *refs) {
    if (r.value("refType", "") == "CHILD_OF") return r.value("spanID", "");
  }
  return refs->empty() ? "" : (*refs)[0].value("spanID", "");
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string format_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms < 10 ? "%.2fms" : "%.1fms", ms);
  return buf;
}

std::string format_delay_us(std::int64_t us) {
  if (us < 1000) return std::to_string(us) + "us";
  return format_ms(static_cast<double>(us) / 1000.0);
}

}  // namespace

std::optional<ApiAnswer> parse_api_answer(const std::string& body, std::string& error,
                                          const std::string& started_trace_id) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || (!j.contains("trace_id") && started_trace_id.empty()) ||
      !j.contains("sub_requests") || !j["sub_requests"].is_array()) {
    error = "the API service answered something that is not its JSON: " + body.substr(0, 120);
    return std::nullopt;
  }
  ApiAnswer a;
  a.trace_id = lower(j.contains("trace_id") ? j.value("trace_id", "") : started_trace_id);
  a.duration_ms = j.value("duration_ms", 0.0);
  for (const auto& s : j["sub_requests"]) {
    if (!s.is_object()) continue;
    a.sub_requests.push_back({s.value("name", ""), lower(s.value("span_id", "")),
                              s.value("duration_ms", 0.0), s.value("status", 0)});
  }
  return a;
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The client span calling `name`, by its URL (`http.url` from the Node.js
// HTTP instrumentation, `url.full` in newer semantic conventions).
std::string find_client_span(const json& spans, const std::string& name) {
  for (const auto& s : spans) {
    if (tag_string(s, "span.kind") != "client") continue;
    std::string url = tag_string(s, "http.url");
    if (url.empty()) url = tag_string(s, "url.full");
    if (!name.empty() && ends_with(url, name)) return lower(s.value("spanID", ""));
  }
  return {};
}

PathReport read_path(const json& network, const json& spans) {
  PathReport out;
  out.path = tag_string(network, "ioam.path");
  out.slowest_hop = tag_string(network, "ioam.slowest_hop");
  out.slowest_hop_delay_us = tag_int(network, "ioam.slowest_hop_delay_us");
  out.ids_lost = tag_bool(network, "ioam.ids_lost");
  out.overflow = tag_bool(network, "ioam.overflow");
  std::string network_id = lower(network.value("spanID", ""));
  for (const auto& s : spans) {
    if (tag_string(s, "ioam.kind") != "hop" || lower(parent_of(s)) != network_id) continue;
    HopReport h;
    h.hop = static_cast<int>(tag_int(s, "ioam.hop").value_or(0));
    h.node = tag_string(s, "net.node.name");
    h.node_id = static_cast<std::uint32_t>(tag_int(s, "ioam.node_id").value_or(0));
    if (h.node.empty()) h.node = std::to_string(h.node_id);
    h.delay_us = tag_int(s, "ioam.delay_us");
    h.queue_depth = tag_int(s, "ioam.queue_depth");
    h.packets = tag_int(s, "ioam.packets").value_or(0);
    out.hops.push_back(std::move(h));
  }
  std::sort(out.hops.begin(), out.hops.end(),
            [](const HopReport& a, const HopReport& b) { return a.hop < b.hop; });
  return out;
}

}  // namespace

bool fill_from_trace(const ApiAnswer& answer, const json& trace, RequestReport& report,
                     bool responses_expected) {
  report.trace_id = answer.trace_id;
  report.duration_ms = answer.duration_ms;
  report.sub_requests.clear();
  // Accept both the `{"data":[trace]}` envelope and a bare trace.
  const json* t = &trace;
  if (trace.contains("data") && trace["data"].is_array()) {
    if (trace["data"].empty()) return false;
    t = &trace["data"][0];
  }
  static const json kEmpty = json::array();
  const json& spans = t->contains("spans") ? (*t)["spans"] : kEmpty;

  bool complete = true;
  for (const auto& sub : answer.sub_requests) {
    SubRequestReport out;
    out.name = sub.name;
    out.span_id = sub.span_id.empty() ? find_client_span(spans, sub.name) : sub.span_id;
    out.duration_ms = sub.duration_ms;
    const json* request = nullptr;
    const json* response = nullptr;
    for (const auto& s : spans) {
      if (out.span_id.empty()) break;
      std::string id = lower(s.value("spanID", ""));
      if (id == out.span_id && s.contains("duration")) {
        out.duration_ms = s["duration"].get<double>() / 1000.0;
      }
      if (tag_string(s, "ioam.kind") == "network" && lower(parent_of(s)) == out.span_id) {
        (tag_string(s, "ioam.direction") == "response" ? response : request) = &s;
      }
    }
    if (request) {
      PathReport path = read_path(*request, spans);
      out.has_network = true;
      out.path = std::move(path.path);
      out.hops = std::move(path.hops);
      out.slowest_hop = std::move(path.slowest_hop);
      out.slowest_hop_delay_us = path.slowest_hop_delay_us;
      out.ids_lost = path.ids_lost;
      out.overflow = path.overflow;
    }
    if (response) out.response = read_path(*response, spans);
    if (!out.has_network || out.hops.empty()) complete = false;
    if (responses_expected && (!out.response || out.response->hops.empty())) complete = false;
    report.sub_requests.push_back(std::move(out));
  }
  return complete;
}

SlowestLink slowest_link(const RequestReport& report) {
  SlowestLink best;
  auto consider = [&](const std::vector<HopReport>& hops, const std::string& sub,
                      const char* direction) {
    for (std::size_t i = 1; i < hops.size(); ++i) {
      const auto& h = hops[i];
      if (h.delay_us && *h.delay_us > best.delay_us) {
        best = {hops[i - 1].node, h.node, *h.delay_us, sub, direction};
      }
    }
  };
  for (const auto& sub : report.sub_requests) {
    consider(sub.hops, sub.name, "request");
    if (sub.response) consider(sub.response->hops, sub.name, "response");
  }
  return best;
}

namespace {

json hops_json(const std::vector<HopReport>& hops) {
  json out = json::array();
  for (const auto& h : hops) {
    json jh = {{"hop", h.hop}, {"node", h.node}, {"node_id", h.node_id}, {"packets", h.packets}};
    jh["delay_us"] = h.delay_us ? json(*h.delay_us) : json(nullptr);
    jh["queue_depth"] = h.queue_depth ? json(*h.queue_depth) : json(nullptr);
    out.push_back(std::move(jh));
  }
  return out;
}

// "athos >70us> porthos >200ms> aramis(q3)"
std::string hops_text(const std::vector<HopReport>& hops) {
  std::string line;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const auto& h = hops[i];
    if (i > 0) {
      line += " >";
      if (h.delay_us) line += format_delay_us(*h.delay_us);
      line += "> ";
    }
    line += h.node;
    if (h.queue_depth && *h.queue_depth > 0) line += "(q" + std::to_string(*h.queue_depth) + ")";
  }
  return line;
}

}  // namespace

json to_json(const RequestReport& report) {
  json subs = json::array();
  for (const auto& sub : report.sub_requests) {
    json hops = hops_json(sub.hops);
    json js = {{"name", sub.name},
               {"span_id", sub.span_id},
               {"duration_ms", sub.duration_ms},
               {"has_network", sub.has_network},
               {"path", sub.path},
               {"hops", std::move(hops)},
               {"ids_lost", sub.ids_lost},
               {"overflow", sub.overflow}};
    js["slowest_hop"] = sub.slowest_hop.empty() ? json(nullptr) : json(sub.slowest_hop);
    js["slowest_hop_delay_us"] =
        sub.slowest_hop_delay_us ? json(*sub.slowest_hop_delay_us) : json(nullptr);
    if (sub.response) {
      js["response"] = {{"path", sub.response->path},
                        {"hops", hops_json(sub.response->hops)},
                        {"ids_lost", sub.response->ids_lost},
                        {"overflow", sub.response->overflow}};
    }
    subs.push_back(std::move(js));
  }
  json out = {{"trace_id", report.trace_id},
              {"duration_ms", report.duration_ms},
              {"sub_requests", std::move(subs)}};
  SlowestLink slow = slowest_link(report);
  if (slow.delay_us >= 0) {
    out["slowest_hop"] = {{"from", slow.from},
                          {"to", slow.to},
                          {"link", slow.from + " > " + slow.to},
                          {"delay_us", slow.delay_us},
                          {"sub_request", slow.sub_request},
                          {"direction", slow.direction}};
  } else {
    out["slowest_hop"] = nullptr;
  }
  if (!report.error.empty()) out["error"] = report.error;
  return out;
}

std::string to_line(const RequestReport& report) {
  std::string line = report.trace_id + "  " + format_ms(report.duration_ms);
  for (const auto& sub : report.sub_requests) {
    line += "  " + sub.name + " " + format_ms(sub.duration_ms) + " ";
    if (sub.hops.empty()) {
      line += "[no network data]";
      continue;
    }
    line += "[" + hops_text(sub.hops);
    if (sub.response && !sub.response->hops.empty()) {
      line += " | back: " + hops_text(sub.response->hops);
    }
    line += "]";
  }
  SlowestLink slow = slowest_link(report);
  if (slow.delay_us >= 0) {
    line += "  slowest " + slow.from + ">" + slow.to + " " + format_delay_us(slow.delay_us);
    if (slow.direction == "response") line += " (response)";
  }
  if (!report.error.empty()) line += "  (" + report.error + ")";
  return line;
}

}  // namespace clt::demo
