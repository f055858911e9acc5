#include "collector/clickhouse/row_binary.h"

namespace clt::collector::clickhouse {

RowBinaryWriter& RowBinaryWriter::count(std::size_t n) {
  std::uint64_t v = n;
  do {
    std::uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v != 0) byte |= 0x80;
    out_.push_back(static_cast<char>(byte));
  } while (v != 0);
  return *this;
}

RowBinaryWriter& RowBinaryWriter::little_endian(std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return *this;
}

bool RowBinaryReader::take(std::size_t n, std::string_view& out) {
  if (!ok_ || data_.size() - at_ < n) return ok_ = false;
  out = data_.substr(at_, n);
  at_ += n;
  return true;
}

bool RowBinaryReader::little_endian(std::uint64_t& v, int bytes) {
  std::string_view b;
  if (!take(static_cast<std::size_t>(bytes), b)) return false;
  v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b[static_cast<std::size_t>(i)]))
         << (8 * i);
  return true;
}

bool RowBinaryReader::leb128(std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    std::string_view b;
    if (!take(1, b)) return false;
    const auto byte = static_cast<std::uint8_t>(b[0]);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return ok_ = false;
}

bool RowBinaryReader::u8(std::uint8_t& v) {
  std::uint64_t x = 0;
  if (!little_endian(x, 1)) return false;
  v = static_cast<std::uint8_t>(x);
  return true;
}

bool RowBinaryReader::u32(std::uint32_t& v) {
  std::uint64_t x = 0;
  if (!little_endian(x, 4)) return false;
  v = static_cast<std::uint32_t>(x);
  return true;
}

bool RowBinaryReader::u64(std::uint64_t& v) {
  return little_endian(v, 8);
}

bool RowBinaryReader::i64(std::int64_t& v) {
  std::uint64_t x = 0;
  if (!little_endian(x, 8)) return false;
  v = static_cast<std::int64_t>(x);
  return true;
}

bool RowBinaryReader::string(std::string_view& out) {
  std::uint64_t n = 0;
  return leb128(n) && take(static_cast<std::size_t>(n), out);
}

bool RowBinaryReader::string(std::string& out) {
  std::string_view v;
  if (!string(v)) return false;
  out.assign(v);
  return true;
}

}  // namespace clt::collector::clickhouse
