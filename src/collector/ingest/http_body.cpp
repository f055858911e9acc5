#include "collector/ingest/http_body.h"

#include <zlib.h>

#include <algorithm>
#include <vector>

#include "collector/http/http_message.h"
#include "core/text_excerpt.h"

namespace clt::collector {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string mib(std::size_t bytes) {
  return bytes % (1024 * 1024) == 0 ? std::to_string(bytes / (1024 * 1024)) + " MiB"
                                    : std::to_string(bytes) + " bytes";
}

// gzip or zlib-wrapped deflate (zlib detects which), members concatenated.
int inflate_limited(std::string& body, std::size_t max_bytes, std::string& error) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    error = "cannot start inflating the body";
    return 500;
  }
  std::string out;
  out.resize(std::min<std::size_t>(max_bytes + 1, std::max<std::size_t>(body.size() * 4, 4096)));
  zs.next_in = reinterpret_cast<Bytef*>(body.data());
  zs.avail_in = static_cast<uInt>(body.size());
  std::size_t produced = 0;
  int status = 200;
  auto too_large = [&] {
    error = "the body inflates to more than " + mib(max_bytes) +
            " (--max-request-size); send smaller requests";
    return 413;
  };
  while (true) {
    if (produced == out.size()) {
      if (out.size() > max_bytes) {
        status = too_large();
        break;
      }
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      error = "the compressed body is truncated";
      status = 400;
      break;
    }
    error = std::string("the compressed body is corrupt (") + (zs.msg ? zs.msg : "bad data") + ")";
    status = 400;
    break;
  }
  inflateEnd(&zs);
  if (status == 200 && produced > max_bytes) status = too_large();
  if (status != 200) return status;
  out.resize(produced);
  body = std::move(out);
  return 200;
}

}  // namespace

OtlpMediaType otlp_media_type(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (equals_ignoring_case(type, "application/json")) return OtlpMediaType::json;
  if (equals_ignoring_case(type, "application/x-protobuf") ||
      equals_ignoring_case(type, "application/protobuf"))
    return OtlpMediaType::protobuf;
  return OtlpMediaType::other;
}

int decode_content_encoding(std::string_view content_encoding, std::string& body,
                            std::size_t max_bytes, std::string& error) {
  std::vector<std::string_view> codings;
  while (!content_encoding.empty()) {
    const auto comma = content_encoding.find(',');
    const std::string_view coding = trim(content_encoding.substr(0, comma));
    if (!coding.empty() && !equals_ignoring_case(coding, "identity")) {
      if (!equals_ignoring_case(coding, "gzip") && !equals_ignoring_case(coding, "x-gzip") &&
          !equals_ignoring_case(coding, "deflate")) {
        error = "Content-Encoding '" + core::quoted_excerpt(coding) +
                "' is not supported; send gzip, deflate or an uncompressed body";
        return 415;
      }
      codings.push_back(coding);
    }
    if (comma == std::string_view::npos) break;
    content_encoding.remove_prefix(comma + 1);
  }
  if (codings.size() > 2) {
    error = "more than two content codings; compress the body once";
    return 415;
  }
  for (auto it = codings.rbegin(); it != codings.rend(); ++it)
    if (const int status = inflate_limited(body, max_bytes, error); status != 200) return status;
  return 200;
}

}  // namespace clt::collector
