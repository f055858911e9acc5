#include "tracing/propagation.h"

#include <algorithm>
#include <cctype>

#include "core/hex.h"

namespace clt::tracing {
namespace {

constexpr std::size_t kTraceparentSize = 55;
constexpr std::size_t kMaxTracestateMembers = 32;
constexpr std::size_t kMaxTracestateSize = 512;

bool parse_lower_hex(std::string_view text, std::uint8_t* out) {
  return core::parse_hex(text, out, true);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_valid_key(std::string_view key) {
  if (key.empty() || key.size() > 256) return false;
  const auto at = key.find('@');
  const auto key_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' ||
           c == '/';
  };
  if (!std::all_of(key.begin(), key.end(), [&](char c) { return key_char(c) || c == '@'; }))
    return false;
  if (at == std::string_view::npos)
    return std::islower(static_cast<unsigned char>(key[0])) != 0 ||
           std::isdigit(static_cast<unsigned char>(key[0])) != 0;
  // multi-tenant "tenant@system"
  return at > 0 && at + 1 < key.size() && key.find('@', at + 1) == std::string_view::npos;
}

bool is_valid_value(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

const std::string* find_header(const HeaderMap& headers, std::string_view name) {
  if (auto it = headers.find(std::string(name)); it != headers.end()) return &it->second;
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == b; }))
      return &value;
  }
  return nullptr;
}

}  // namespace

std::string format_traceparent(const SpanContext& context) {
  std::string out = "00-";
  out += core::to_hex(context.trace_id);
  out += '-';
  out += core::to_hex(context.span_id);
  out += context.is_sampled() ? "-01" : "-00";
  return out;
}

bool is_valid_tracestate(std::string_view tracestate) {
  if (tracestate.size() > kMaxTracestateSize) return false;
  std::size_t members = 0;
  while (!tracestate.empty()) {
    const auto comma = tracestate.find(',');
    const std::string_view member = trim(tracestate.substr(0, comma));
    tracestate =
        comma == std::string_view::npos ? std::string_view() : tracestate.substr(comma + 1);
    if (member.empty()) continue;  // empty list members are allowed
    const auto equals = member.find('=');
    if (equals == std::string_view::npos || !is_valid_key(member.substr(0, equals)) ||
        !is_valid_value(member.substr(equals + 1)))
      return false;
    if (++members > kMaxTracestateMembers) return false;
  }
  return true;
}

std::optional<SpanContext> parse_traceparent(std::string_view traceparent,
                                             std::string_view tracestate) {
  traceparent = trim(traceparent);
  if (traceparent.size() < kTraceparentSize) return std::nullopt;
  std::uint8_t version = 0;
  if (!parse_lower_hex(traceparent.substr(0, 2), &version) || version == 0xff) return std::nullopt;
  if (version == 0 && traceparent.size() != kTraceparentSize) return std::nullopt;
  if (traceparent.size() > kTraceparentSize && traceparent[kTraceparentSize] != '-')
    return std::nullopt;
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-')
    return std::nullopt;
  SpanContext context;
  if (!parse_lower_hex(traceparent.substr(3, 32), context.trace_id.data()) ||
      !parse_lower_hex(traceparent.substr(36, 16), context.span_id.data()) ||
      !parse_lower_hex(traceparent.substr(53, 2), &context.trace_flags))
    return std::nullopt;
  if (!context.is_valid()) return std::nullopt;
  if (version == 0)
    context.trace_flags &= kTraceFlagSampled;  // other bits are not defined in version 00
  context.is_remote = true;
  tracestate = trim(tracestate);
  if (!tracestate.empty() && is_valid_tracestate(tracestate)) context.trace_state = tracestate;
  return context;
}

void inject(const SpanContext& context, HeaderMap& headers) {
  if (!context.is_valid()) return;
  headers["traceparent"] = format_traceparent(context);
  if (!context.trace_state.empty()) headers["tracestate"] = context.trace_state;
}

std::optional<SpanContext> extract(const HeaderMap& headers) {
  const std::string* traceparent = find_header(headers, "traceparent");
  if (traceparent == nullptr) return std::nullopt;
  const std::string* tracestate = find_header(headers, "tracestate");
  return parse_traceparent(
      *traceparent, tracestate != nullptr ? std::string_view(*tracestate) : std::string_view());
}

}  // namespace clt::tracing
