#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace clt::collector::clickhouse {

// ClickHouse's RowBinary format, the one both directions of the store use:
// integers little-endian, FixedString(N) as its N bytes, String as a LEB128
// length and its bytes, Array(T) as a LEB128 count and its elements. Binary
// data (trace ids, protobuf) then needs no escaping.
class RowBinaryWriter {
 public:
  explicit RowBinaryWriter(std::string& out) : out_(out) {}

  RowBinaryWriter& u8(std::uint8_t v) {
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  RowBinaryWriter& u32(std::uint32_t v) { return little_endian(v, 4); }
  RowBinaryWriter& i64(std::int64_t v) { return little_endian(static_cast<std::uint64_t>(v), 8); }
  template <std::size_t N>
  RowBinaryWriter& fixed(const std::array<std::uint8_t, N>& bytes) {
    out_.append(reinterpret_cast<const char*>(bytes.data()), N);
    return *this;
  }
  RowBinaryWriter& string(std::string_view s) {
    count(s.size());
    out_.append(s);
    return *this;
  }
  // The element count of an Array column; its elements follow.
  RowBinaryWriter& count(std::size_t n);

 private:
  RowBinaryWriter& little_endian(std::uint64_t v, int bytes);
  std::string& out_;
};

// Reads a RowBinary answer; every read is false once the data ran out or
// is malformed (and stays false).
class RowBinaryReader {
 public:
  explicit RowBinaryReader(std::string_view data) : data_(data) {}

  bool at_end() const { return at_ == data_.size(); }
  bool ok() const { return ok_; }
  bool u8(std::uint8_t& v);
  bool u32(std::uint32_t& v);
  bool u64(std::uint64_t& v);
  bool i64(std::int64_t& v);
  template <std::size_t N>
  bool fixed(std::array<std::uint8_t, N>& out) {
    std::string_view b;
    if (!take(N, b)) return false;
    for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(b[i]);
    return true;
  }
  // A view into the data given to the constructor.
  bool string(std::string_view& out);
  bool string(std::string& out);

 private:
  bool take(std::size_t n, std::string_view& out);
  bool little_endian(std::uint64_t& v, int bytes);
  bool leb128(std::uint64_t& v);

  std::string_view data_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace clt::collector::clickhouse
