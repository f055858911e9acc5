#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tracing/span_context.h"

// W3C Trace Context (traceparent / tracestate) over HTTP headers.
namespace clt::tracing {

// Header names in lower case, as HTTP/2 and most servers hand them over;
// extract() also finds other spellings.
using HeaderMap = std::map<std::string, std::string>;

// "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>"
std::string format_traceparent(const SpanContext& context);

// The remote parent described by the headers' values; nullopt when
// traceparent is absent or invalid (the W3C rules: version ff is invalid,
// version 00 is exactly 55 characters, later versions may append "-..."; ids
// lower-case hex and not all zero). An invalid tracestate is dropped.
std::optional<SpanContext> parse_traceparent(std::string_view traceparent,
                                             std::string_view tracestate = {});

// Sets traceparent (and tracestate when not empty) for a valid context.
void inject(const SpanContext& context, HeaderMap& headers);
std::optional<SpanContext> extract(const HeaderMap& headers);

// True if `tracestate` follows the W3C list syntax (at most 32 members).
bool is_valid_tracestate(std::string_view tracestate);

}  // namespace clt::tracing
