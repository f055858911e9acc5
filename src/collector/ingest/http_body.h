#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace clt::collector {

enum class OtlpMediaType { json, protobuf, other };

// The media type of a Content-Type value, compared without case and without
// its parameters ("Application/JSON; charset=utf-8" is json).
OtlpMediaType otlp_media_type(std::string_view content_type);

// Undoes a Content-Encoding (identity, gzip, x-gzip or deflate; a list is
// undone last coding first) in place, streaming, so that the result never
// grows past max_bytes. Returns 200, or the status to answer with `error`
// saying why: 413 (it inflates past max_bytes), 415 (an unsupported coding),
// 400 (corrupt or truncated data).
int decode_content_encoding(std::string_view content_encoding, std::string& body,
                            std::size_t max_bytes, std::string& error);

}  // namespace clt::collector
