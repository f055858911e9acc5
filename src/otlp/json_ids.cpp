#include "otlp/json_ids.h"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/hex.h"
#include "core/json_string.h"
#include "core/text_excerpt.h"
#include "otlp/base64.h"

namespace clt::otlp {

namespace {

using nlohmann::json;

bool one_of(const std::string& s, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (s == n) return true;
  return false;
}

class IdRewriter final : public nlohmann::json_sax<json> {
 public:
  explicit IdRewriter(std::string& out) : out_(out) {}

  const std::string& error() const { return error_; }

  bool null() override { return scalar("null", Kind::null); }
  bool boolean(bool v) override { return scalar(v ? "true" : "false", Kind::other); }
  bool number_integer(number_integer_t v) override {
    return scalar(std::to_string(v), Kind::other);
  }
  bool number_unsigned(number_unsigned_t v) override {
    return scalar(std::to_string(v), Kind::other);
  }
  bool number_float(number_float_t, const string_t& text) override {
    return scalar(text, Kind::other);
  }
  bool binary(binary_t&) override { return fail("binary values are not JSON"); }

  bool string(string_t& s) override {
    if (stack_.empty()) return fail("OTLP/JSON body must be an object with \"resourceSpans\"");
    if (!value_starts(Kind::other)) return false;
    if (const std::size_t size = id_size(); size != 0 && !s.empty()) {
      auto bytes = core::from_hex(s);
      if (!bytes || bytes->size() != size)
        return fail(where() + ": expected " + std::to_string(size * 2) + " hex digits, got \"" +
                    core::quoted_excerpt(s) + "\"");
      core::append_json_string(out_, to_base64(*bytes));
    } else {
      core::append_json_string(out_, s);
    }
    return value_ends();
  }

  bool start_object(std::size_t) override {
    if (stack_.empty()) {
      out_ += '{';
      stack_.push_back({false, ""});
      return true;
    }
    if (!value_starts(Kind::other)) return false;
    out_ += '{';
    stack_.push_back({false, key_});
    return true;
  }

  bool key(string_t& k) override {
    Frame& f = stack_.back();
    if (f.count++) out_ += ',';
    core::append_json_string(out_, k);
    out_ += ':';
    key_ = k;
    return true;
  }

  bool end_object() override {
    out_ += '}';
    stack_.pop_back();
    return value_ends();
  }

  bool start_array(std::size_t) override {
    if (stack_.empty()) return fail("OTLP/JSON body must be an object with \"resourceSpans\"");
    if (!value_starts(Kind::array)) return false;
    out_ += '[';
    stack_.push_back({true, key_});
    return true;
  }

  bool end_array() override {
    out_ += ']';
    stack_.pop_back();
    return value_ends();
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    if (error_.empty())
      error_ = "OTLP/JSON body is not valid JSON (at byte " + std::to_string(position) + ")";
    return false;
  }

 private:
  enum class Kind { array, null, other };
  struct Frame {
    bool array;
    std::string key;        // under which this container sits in its parent
    std::size_t count = 0;  // elements or members so far
  };

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  bool scalar(const std::string& text, Kind kind) {
    if (stack_.empty()) return fail("OTLP/JSON body must be an object with \"resourceSpans\"");
    if (!value_starts(kind)) return false;
    if (id_size() != 0 && text != "null") return fail(where() + ": expected a hex string");
    out_ += text;
    return value_ends();
  }

  // Before a value (in an array: its separator); the lists of the OTLP
  // structure must be arrays (or null).
  bool value_starts(Kind kind) {
    Frame& f = stack_.back();
    if (f.array) {
      if (f.count) out_ += ',';
      return true;
    }
    if (kind == Kind::other && list_key()) return fail(where() + ": expected an array");
    return true;
  }

  bool value_ends() {
    if (!stack_.empty() && stack_.back().array) ++stack_.back().count;
    return true;
  }

  // Frame i of the path root{ resourceSpans[ {scopeSpans[ {spans[ {links[ {.
  bool at(std::size_t i, std::initializer_list<const char*> keys) const {
    return stack_[i].array && one_of(stack_[i].key, keys);
  }
  bool in_span() const {
    return stack_.size() >= 7 && at(1, {"resourceSpans", "resource_spans"}) &&
           at(3, {"scopeSpans", "scope_spans"}) && at(5, {"spans"});
  }

  // Whether the member being written is one of the lists of the structure.
  bool list_key() const {
    const std::size_t depth = stack_.size();
    if (depth == 1) return one_of(key_, {"resourceSpans", "resource_spans"});
    if (depth == 3 && at(1, {"resourceSpans", "resource_spans"}))
      return one_of(key_, {"scopeSpans", "scope_spans"});
    if (depth == 5 && at(1, {"resourceSpans", "resource_spans"}) &&
        at(3, {"scopeSpans", "scope_spans"}))
      return key_ == "spans";
    if (depth == 7 && in_span()) return key_ == "links";
    return false;
  }

  // The size of the id the member being written holds, 0 if not an id.
  std::size_t id_size() const {
    if (stack_.empty() || stack_.back().array) return 0;
    const bool span = stack_.size() == 7 && in_span();
    const bool link = stack_.size() == 9 && in_span() && at(7, {"links"});
    if (!span && !link) return 0;
    if (one_of(key_, {"traceId", "trace_id"})) return 16;
    if (one_of(key_, {"spanId", "span_id"})) return 8;
    if (span && one_of(key_, {"parentSpanId", "parent_span_id"})) return 8;
    return 0;
  }

  std::string where() const {
    std::string path = "body";
    for (const Frame& f : stack_)
      if (f.array) path += "." + f.key + "[" + std::to_string(f.count) + "]";
    return path + "." + key_;
  }

  std::string& out_;
  std::vector<Frame> stack_;
  std::string key_;
  std::string error_;
};

}  // namespace

bool hex_ids_to_base64(std::string_view text, std::string& out, std::string& error) {
  out.clear();
  out.reserve(text.size() + text.size() / 8);
  IdRewriter rewriter(out);
  if (!json::sax_parse(text, &rewriter) || !rewriter.error().empty()) {
    error = rewriter.error().empty() ? "OTLP/JSON body is not valid JSON" : rewriter.error();
    return false;
  }
  return true;
}

}  // namespace clt::otlp
