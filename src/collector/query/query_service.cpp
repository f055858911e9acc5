#include "collector/query/query_service.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <span>

#include "collector/model/jaeger_render.h"
#include "collector/model/network_spans.h"
#include "collector/query/raw_record_json.h"
#include "core/text_excerpt.h"
#include "otlp/json_depth.h"

namespace clt::collector {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxTagsDepth = 8;

bool tags_contain(const std::string& tags_json, const std::string& key, const std::string& value) {
  json tags = json::parse(tags_json, nullptr, false);
  if (!tags.is_array()) return false;
  std::vector<std::pair<std::string, std::string>> texts;
  append_search_tags(tags, texts);
  for (const auto& [k, v] : texts)
    if (k == key && v == value) return true;
  return false;
}

// For the derived network and hop spans (the stored spans are searched by
// the store's tag index).
bool span_matches(const JaegerSpan& row, const TraceQuery& q) {
  if (!q.operation.empty() && row.operation != q.operation) return false;
  if (q.min_duration_us && row.duration_us < *q.min_duration_us) return false;
  if (q.max_duration_us && row.duration_us > *q.max_duration_us) return false;
  for (const auto& [k, v] : q.tags)
    if (!tags_contain(row.tags_json, k, v)) return false;
  return true;
}

std::string hex_trace_id(const core::TraceId& id) {
  return core::to_hex(id);
}

json parse_array(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_array() ? j : json::array();
}

}  // namespace

std::optional<std::int64_t> parse_duration_us(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto r = std::from_chars(begin, end, value);
  // from_chars also reads "nan" and "inf".
  if (r.ec != std::errc() || !std::isfinite(value) || value < 0) return std::nullopt;
  const std::string unit(r.ptr, end);
  double scale = 0;
  if (unit == "us" || unit == "µs")
    scale = 1;
  else if (unit == "ms")
    scale = 1e3;
  else if (unit == "s")
    scale = 1e6;
  else if (unit == "m")
    scale = 60e6;
  else if (unit == "h")
    scale = 3600e6;
  else if (unit == "ns")
    scale = 1e-3;
  else
    return std::nullopt;
  // About 292,000 years: beyond it the microseconds do not fit in 63 bits.
  const double us = value * scale;
  if (us >= 9.2e18) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(us));
}

bool parse_trace_query(const std::multimap<std::string, std::string>& params, std::int64_t now,
                       TraceQuery& q, std::string& error) {
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = params.find(name);
    if (it == params.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  auto as_int = [&](const char* name, std::int64_t& out) {
    auto v = get(name);
    if (!v) return true;
    auto r = std::from_chars(v->data(), v->data() + v->size(), out);
    if (r.ec != std::errc() || r.ptr != v->data() + v->size()) {
      error = std::string("parameter ") + name + "='" + core::quoted_excerpt(*v) +
              "' is not an integer";
      return false;
    }
    return true;
  };
  if (auto v = get("service")) q.service = *v;
  if (auto v = get("operation")) q.operation = *v;
  q.end_us = now;
  if (!as_int("end", q.end_us)) return false;
  q.start_us = 0;
  if (auto lb = get("lookback"); lb && *lb != "custom") {
    auto d = parse_duration_us(*lb);
    if (!d) {
      error = "parameter lookback='" + core::quoted_excerpt(*lb) + "' is not a duration such as 1h";
      return false;
    }
    q.start_us = q.end_us < INT64_MIN + *d ? INT64_MIN : q.end_us - *d;
  }
  if (!as_int("start", q.start_us)) return false;
  std::int64_t limit = static_cast<std::int64_t>(q.limit);
  if (!as_int("limit", limit)) return false;
  if (limit <= 0) limit = 20;
  q.limit = static_cast<std::size_t>(std::min<std::int64_t>(limit, 1500));
  for (const char* name : {"minDuration", "maxDuration"}) {
    if (auto v = get(name)) {
      auto d = parse_duration_us(*v);
      if (!d) {
        error = std::string("parameter ") + name + "='" + core::quoted_excerpt(*v) +
                "' is not a duration such as 100ms (at most 292,000 years)";
        return false;
      }
      (std::string(name) == "minDuration" ? q.min_duration_us : q.max_duration_us) = *d;
    }
  }
  if (auto v = get("tags")) {
    if (!otlp::json_depth_within(*v, kMaxTagsDepth)) {
      error = "parameter tags is nested deeper than " + std::to_string(kMaxTagsDepth) +
              " levels; use an object of key: value pairs";
      return false;
    }
    json t = json::parse(*v, nullptr, false);
    if (!t.is_object()) {
      error = "parameter tags must be a JSON object such as {\"http.method\":\"GET\"}";
      return false;
    }
    for (const auto& [k, val] : t.items()) q.tags[k] = tag_value_text(val);
  }
  auto range = params.equal_range("tag");
  for (auto it = range.first; it != range.second; ++it) {
    const auto colon = it->second.find(':');
    if (colon == std::string::npos) {
      error = "parameter tag='" + core::quoted_excerpt(it->second) + "' is not key:value";
      return false;
    }
    q.tags[it->second.substr(0, colon)] = it->second.substr(colon + 1);
  }
  return true;
}

ReaderPool::Lease ReaderPool::acquire(std::string& error) {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto r = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(r));
    }
  }
  return Lease(*this, open_(error));
}

void ReaderPool::give_back(std::unique_ptr<StoreReader> r) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 16) idle_.push_back(std::move(r));
}

std::optional<core::TraceId> parse_trace_id_loose(const std::string& hex) {
  if (hex.empty() || hex.size() > 32) return std::nullopt;
  return core::parse_trace_id(std::string(32 - hex.size(), '0') + hex);
}

std::string jaeger_error(int code, const std::string& message) {
  json j = {{"data", nullptr},
            {"total", 0},
            {"limit", 0},
            {"offset", 0},
            {"errors", json::array({{{"code", code}, {"msg", message}}})}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool append_jaeger_trace_json(std::string& out, const core::TraceId& id,
                              const std::vector<JaegerSpan>& rows, std::size_t max_bytes) {
  // One span at a time: the JSON tree of a whole large trace would take many
  // times the size of its text.
  json processes = json::object();
  std::map<std::pair<std::string, std::string>, std::string> process_ids;
  const std::string trace_hex = hex_trace_id(id);
  out += "{\"traceID\":\"" + trace_hex + "\",\"spans\":[";
  bool first = true;
  for (const JaegerSpan& r : rows) {
    auto key = std::make_pair(r.service, r.process_tags_json);
    auto it = process_ids.find(key);
    if (it == process_ids.end()) {
      std::string pid = "p" + std::to_string(process_ids.size() + 1);
      processes[pid] = {{"serviceName", r.service}, {"tags", parse_array(r.process_tags_json)}};
      it = process_ids.emplace(key, pid).first;
    }
    json refs = json::array();
    if (!core::is_zero(r.parent_id))
      refs.push_back(
          {{"refType", "CHILD_OF"}, {"traceID", trace_hex}, {"spanID", core::to_hex(r.parent_id)}});
    for (auto& extra : parse_array(r.refs_json)) refs.push_back(std::move(extra));
    const json span = {{"traceID", trace_hex},
                       {"spanID", core::to_hex(r.span_id)},
                       {"operationName", r.operation},
                       {"references", std::move(refs)},
                       {"startTime", r.start_us},
                       {"duration", r.duration_us},
                       {"tags", parse_array(r.tags_json)},
                       {"logs", parse_array(r.logs_json)},
                       {"processID", it->second},
                       {"warnings", nullptr},
                       {"flags", 1}};
    if (!first) out += ',';
    first = false;
    out += span.dump(-1, ' ', false, json::error_handler_t::replace);
    if (out.size() > max_bytes) return false;
  }
  out += "],\"processes\":";
  out += processes.dump(-1, ' ', false, json::error_handler_t::replace);
  out += ",\"warnings\":null}";
  return out.size() <= max_bytes;
}

std::string jaeger_trace_json(const core::TraceId& id, const std::vector<JaegerSpan>& rows) {
  std::string out;
  append_jaeger_trace_json(out, id, rows);
  return out;
}

namespace {

// The rows of one trace: its application spans rendered, the network and hop
// spans derived from its summaries, by start time.
void trace_rows(std::span<const StoredSpan> stored, std::span<const NetworkSummary> networks,
                std::vector<JaegerSpan>& rows) {
  rows.reserve(rows.size() + stored.size());
  for (const StoredSpan& s : stored)
    if (!render_jaeger(s, rows.emplace_back())) rows.pop_back();
  for (const auto& n : networks) append_network_spans(n, rows);
  std::stable_sort(rows.begin(), rows.end(), [](const JaegerSpan& a, const JaegerSpan& b) {
    return a.start_us < b.start_us;
  });
}

// Items of several traces, each trace's together and in the order read.
template <typename T, typename TraceOf>
void group_by_trace(std::vector<T>& items, TraceOf trace_of) {
  std::ranges::stable_sort(items, std::less{}, trace_of);
}

// The items of trace `id` among items grouped by group_by_trace.
template <typename T, typename TraceOf>
std::span<const T> of_trace(const std::vector<T>& items, const core::TraceId& id,
                            TraceOf trace_of) {
  auto run = std::ranges::equal_range(items, id, std::less{}, trace_of);
  return {run.begin(), run.end()};
}

const core::TraceId& span_trace(const StoredSpan& s) {
  return s.trace_id;
}
const core::TraceId& summary_trace(const NetworkSummary& n) {
  return n.key.trace_id;
}

}  // namespace

bool QueryService::load_trace(StoreReader& reader, const core::TraceId& id,
                              std::vector<JaegerSpan>& rows, std::size_t max_bytes) {
  std::vector<StoredSpan> stored;
  if (!reader.trace_spans(id, stored, max_bytes)) return false;
  std::vector<NetworkSummary> networks;
  reader.trace_networks(id, networks);
  trace_rows(stored, networks, rows);
  return true;
}

int QueryService::too_large(const std::string& what, std::string& body) const {
  body = jaeger_error(kAnswerTooLarge,
                      what + " is larger than the response budget of " +
                          std::to_string(limits_.max_response_bytes / (1024 * 1024)) +
                          " MiB (--query-max-response): ask for fewer traces (limit=), a shorter "
                          "time range or a more specific search");
  return kAnswerTooLarge;
}

int QueryService::services(std::string& body) {
  std::string error;
  auto reader = pool_.acquire(error);
  if (!reader) {
    body = jaeger_error(503, error);
    return 503;
  }
  std::vector<std::string> list;
  if (!reader->services(list, limits_.max_response_bytes))
    return too_large("the list of services", body);
  body =
      json{{"data", list}, {"total", list.size()}, {"limit", 0}, {"offset", 0}, {"errors", nullptr}}
          .dump(-1, ' ', false, json::error_handler_t::replace);
  return 200;
}

int QueryService::operations(const std::string& service, std::string& body) {
  std::string error;
  auto reader = pool_.acquire(error);
  if (!reader) {
    body = jaeger_error(503, error);
    return 503;
  }
  std::vector<std::string> list;
  if (!reader->operations(service, list, limits_.max_response_bytes))
    return too_large("the list of operations", body);
  body =
      json{{"data", list}, {"total", list.size()}, {"limit", 0}, {"offset", 0}, {"errors", nullptr}}
          .dump(-1, ' ', false, json::error_handler_t::replace);
  return 200;
}

int QueryService::trace(const std::string& trace_id_hex, std::string& body) {
  auto id = parse_trace_id_loose(trace_id_hex);
  if (!id) {
    body = jaeger_error(
        400, "trace id '" + core::quoted_excerpt(trace_id_hex) + "' is not 1 to 32 hex digits");
    return 400;
  }
  std::string error;
  auto reader = pool_.acquire(error);
  if (!reader) {
    body = jaeger_error(503, error);
    return 503;
  }
  std::vector<JaegerSpan> rows;
  const std::size_t budget = limits_.max_response_bytes;
  if (!load_trace(*reader, *id, rows, budget)) return too_large("trace " + core::to_hex(*id), body);
  if (rows.empty()) {
    body = jaeger_error(404, "trace not found");
    return 404;
  }
  body = "{\"data\":[";
  if (!append_jaeger_trace_json(body, *id, rows, budget))
    return too_large("trace " + core::to_hex(*id), body);
  body += "],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}";
  return 200;
}

void QueryService::find_network_traces(StoreReader& reader, const TraceQuery& q,
                                       std::vector<core::TraceId>& found) {
  std::set<core::TraceId> seen;
  std::size_t scanned = 0;
  std::vector<JaegerSpan> derived;
  reader.scan_networks(q.start_us, q.end_us, [&](const NetworkSummary& n) {
    ++scanned;
    derived.clear();
    append_network_spans(n, derived);
    for (const JaegerSpan& row : derived) {
      if (!span_matches(row, q)) continue;
      if (seen.insert(row.trace_id).second) found.push_back(row.trace_id);
      break;
    }
    return found.size() < q.limit && scanned < q.max_scanned_spans;
  });
}

int QueryService::search(const TraceQuery& q, std::string& body) {
  std::string error;
  auto reader = pool_.acquire(error);
  if (!reader) {
    body = jaeger_error(503, error);
    return 503;
  }
  std::vector<core::TraceId> found;
  if (q.service == kIoamService)
    find_network_traces(*reader, q, found);
  else
    reader->find_traces(q, found);
  const std::size_t budget = limits_.max_response_bytes;
  auto refuse = [&](std::size_t done) {
    return too_large("the answer (" + std::to_string(found.size()) + " traces; " +
                         std::to_string(done) + " fit)",
                     body);
  };
  body = "{\"data\":[";
  std::vector<JaegerSpan> rows;
  // All the traces in one read; when they do not fit together, one after
  // the other, to say how many would.
  std::vector<StoredSpan> stored;
  std::vector<NetworkSummary> networks;
  if (reader->traces_spans(found, stored, budget)) {
    reader->traces_networks(found, networks);
    group_by_trace(stored, span_trace);
    group_by_trace(networks, summary_trace);
    for (std::size_t i = 0; i < found.size(); ++i) {
      rows.clear();
      trace_rows(of_trace(stored, found[i], span_trace),
                 of_trace(networks, found[i], summary_trace), rows);
      if (i) body += ',';
      if (!append_jaeger_trace_json(body, found[i], rows, budget)) return refuse(i);
    }
  } else {
    for (std::size_t i = 0; i < found.size(); ++i) {
      rows.clear();
      if (!load_trace(*reader, found[i], rows, budget - std::min(budget, body.size())))
        return refuse(i);
      if (i) body += ',';
      if (!append_jaeger_trace_json(body, found[i], rows, budget)) return refuse(i);
    }
  }
  body += "],\"total\":" + std::to_string(found.size()) + ",\"limit\":" + std::to_string(q.limit) +
          ",\"offset\":0,\"errors\":null}";
  return 200;
}

int QueryService::ioam_records(const std::string& trace_id_hex, const std::string& span_id_hex,
                               const std::string& direction_text, std::string& body) {
  auto tid = parse_trace_id_loose(trace_id_hex);
  auto sid = core::parse_span_id(span_id_hex);
  if (!tid || !sid) {
    body = jaeger_error(400, "traceID must be 32 hex digits and spanID 16 hex digits");
    return 400;
  }
  const auto direction =
      direction_text.empty() ? core::Direction::kRequest : core::parse_direction(direction_text);
  if (!direction) {
    body = jaeger_error(400, "direction must be 'request' or 'response', not " +
                                 core::quoted_excerpt(direction_text));
    return 400;
  }
  std::string error;
  auto reader = pool_.acquire(error);
  if (!reader) {
    body = jaeger_error(503, error);
    return 503;
  }
  body = "{\"data\":[";
  std::uint64_t index = 0;
  bool within = true;
  reader->records({*tid, *sid, *direction}, [&](std::int64_t received, std::string_view bytes) {
    if (!within) return;
    if (index) body += ',';
    if (append_report_json(body, index + 1, received, bytes))
      ++index;
    else if (index)
      body.pop_back();
    within = body.size() <= limits_.max_response_bytes;
  });
  if (!within) return too_large("the records of span " + span_id_hex, body);
  body += "]}";
  return 200;
}

}  // namespace clt::collector
