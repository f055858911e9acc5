#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// Attribute values of every OTLP AnyValue type: string, bool, int64, double,
// array, key-value list and bytes.
namespace clt::tracing {

struct AttributeValue;
struct Attribute;
using AttributeArray = std::vector<AttributeValue>;
using AttributeList = std::vector<Attribute>;
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

struct AttributeValue {
  std::variant<std::monostate, std::string, bool, std::int64_t, double, AttributeArray,
               AttributeList, Bytes>
      value;

  AttributeValue() = default;
  AttributeValue(std::string v) : value(std::move(v)) {}
  AttributeValue(std::string_view v) : value(std::string(v)) {}
  AttributeValue(const char* v) : value(std::string(v)) {}
  AttributeValue(bool v) : value(v) {}
  AttributeValue(int v) : value(static_cast<std::int64_t>(v)) {}
  AttributeValue(std::int64_t v) : value(v) {}
  AttributeValue(std::uint32_t v) : value(static_cast<std::int64_t>(v)) {}
  AttributeValue(double v) : value(v) {}
  AttributeValue(AttributeArray v) : value(std::move(v)) {}
  AttributeValue(AttributeList v) : value(std::move(v)) {}
  AttributeValue(Bytes v) : value(std::move(v)) {}

  bool operator==(const AttributeValue& other) const;
};

struct Attribute {
  std::string key;
  AttributeValue value;
  bool operator==(const Attribute&) const = default;
};

using Attributes = std::vector<Attribute>;

inline bool AttributeValue::operator==(const AttributeValue& other) const {
  return value == other.value;
}

}  // namespace clt::tracing
