#include "collector/model/record_blob.h"

#include <cstring>

namespace clt::collector {

void append_raw_record(std::string& blob, std::int64_t received_us, std::string_view report) {
  char head[12];
  std::memcpy(head, &received_us, 8);
  const auto len = static_cast<std::uint32_t>(report.size());
  std::memcpy(head + 8, &len, 4);
  blob.append(head, sizeof head);
  blob.append(report);
}

bool for_each_raw_record(std::span<const std::uint8_t> blob,
                         const std::function<void(std::int64_t, std::string_view)>& visit) {
  std::size_t at = 0;
  while (at < blob.size()) {
    if (blob.size() - at < 12) return false;
    std::int64_t received = 0;
    std::uint32_t len = 0;
    std::memcpy(&received, blob.data() + at, 8);
    std::memcpy(&len, blob.data() + at + 8, 4);
    at += 12;
    if (blob.size() - at < len) return false;
    visit(received, std::string_view(reinterpret_cast<const char*>(blob.data() + at), len));
    at += len;
  }
  return true;
}

}  // namespace clt::collector
