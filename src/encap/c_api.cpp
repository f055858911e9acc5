// The C ABI (include/clt.h): one process-wide configuration over the C++
// Encapsulator, for languages that call C (Python ctypes, Go cgo, ...).

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "clt.h"
#include "encap/clt_socket.h"

namespace {

using clt::encap::Config;
using clt::encap::Encapsulator;
using clt::encap::Status;

int code_for(Status s, int sys_errno) {
  switch (s) {
    case Status::kOk:
      return CLT_OK;
    case Status::kOutsideDomain:
      return CLT_OUTSIDE_DOMAIN;
    case Status::kBadDescriptor:
      return -EBADF;
    case Status::kNotSocket:
      return -ENOTSOCK;
    case Status::kNotIpv6:
      return -EAFNOSUPPORT;
    case Status::kUnsupportedSocket:
      return -EPROTOTYPE;
    case Status::kNotConnected:
      return -ENOTCONN;
    case Status::kNoPermission:
      return -EPERM;
    case Status::kInvalidConfig:
      return -EINVAL;
    case Status::kConfigTooLarge:
      return -EMSGSIZE;
    case Status::kSystemError:
      return sys_errno > 0 ? -sys_errno : -EIO;
  }
  return -EIO;
}

// The library's single configuration. Encapsulators replaced by a
// configuration change stay alive (retired) so that a concurrent clt_enable
// never uses a freed one; there are as many as configuration calls.
class Library {
 public:
  const Encapsulator* current() {
    if (const Encapsulator* e = current_.load(std::memory_order_acquire)) return e;
    std::lock_guard lock(mutex_);
    if (current_.load(std::memory_order_relaxed) == nullptr) rebuild_locked(config_);
    return current_.load(std::memory_order_relaxed);
  }

  // Applies change to a copy of the configuration; keeps it only if valid.
  template <typename Change>
  int configure(Change change) {
    std::lock_guard lock(mutex_);
    Config next = config_;
    change(next);
    if (Status s = clt::encap::validate(next); s != Status::kOk) return code_for(s, 0);
    config_ = next;
    return rebuild_locked(config_) ? CLT_OK : -EINVAL;
  }

  int refresh() {
    std::lock_guard lock(mutex_);
    return rebuild_locked(config_) ? CLT_OK : -EINVAL;
  }

  Config config() {
    std::lock_guard lock(mutex_);
    return config_;
  }

 private:
  bool rebuild_locked(const Config& config) {
    std::string error;
    auto e = Encapsulator::create(config, error);
    if (!e) return false;
    current_.store(e.get(), std::memory_order_release);
    all_.push_back(std::move(e));
    return true;
  }

  std::mutex mutex_;
  Config config_;
  std::atomic<const Encapsulator*> current_{nullptr};
  std::vector<std::unique_ptr<Encapsulator>> all_;
};

Library& library() {
  static Library lib;
  return lib;
}

}  // namespace

extern "C" {

int clt_enable(int fd, const uint8_t trace_id[16], const uint8_t span_id[8]) {
  if (trace_id == nullptr || span_id == nullptr) return -EINVAL;
  const Encapsulator* e = library().current();
  if (e == nullptr) return -EINVAL;
  clt::encap::TraceId t;
  clt::encap::SpanId s;
  std::memcpy(t.data(), trace_id, t.size());
  std::memcpy(s.data(), span_id, s.size());
  const auto r = e->enable(fd, t, s);
  return code_for(r.status, r.sys_errno);
}

int clt_disable(int fd) {
  const Encapsulator* e = library().current();
  if (e == nullptr) return -EINVAL;
  const auto r = e->disable(fd);
  return code_for(r.status, r.sys_errno);
}

const char* clt_strerror(int code) {
  switch (code) {
    case CLT_OK:
      return clt::encap::describe(Status::kOk);
    case CLT_OUTSIDE_DOMAIN:
      return clt::encap::describe(Status::kOutsideDomain);
    case -EBADF:
      return clt::encap::describe(Status::kBadDescriptor);
    case -ENOTSOCK:
      return clt::encap::describe(Status::kNotSocket);
    case -EAFNOSUPPORT:
      return clt::encap::describe(Status::kNotIpv6);
    case -EPROTOTYPE:
      return clt::encap::describe(Status::kUnsupportedSocket);
    case -ENOTCONN:
      return clt::encap::describe(Status::kNotConnected);
    case -EPERM:
      return clt::encap::describe(Status::kNoPermission);
    case -EINVAL:
      return clt::encap::describe(Status::kInvalidConfig);
    case -EMSGSIZE:
      return clt::encap::describe(Status::kConfigTooLarge);
    default:
      break;
  }
  if (code < 0) return strerrordesc_np(-code) != nullptr ? strerrordesc_np(-code) : "unknown error";
  return "unknown code";
}

int clt_set_namespace(uint16_t namespace_id) {
  return library().configure([&](Config& c) { c.namespace_id = namespace_id; });
}
int clt_set_trace_type(uint32_t trace_type) {
  return library().configure([&](Config& c) { c.trace_type = trace_type; });
}
int clt_set_slots(uint8_t slots) {
  return library().configure([&](Config& c) { c.slots = slots; });
}
int clt_set_trace_id_bits(int bits) {
  if (bits != 64 && bits != 128) return -EINVAL;
  return library().configure([&](Config& c) {
    c.trace_id_bits = bits == 64 ? clt::encap::TraceIdBits::k64 : clt::encap::TraceIdBits::k128;
  });
}
int clt_set_own_entry(int enabled) {
  if (enabled != 0 && enabled != 1) return -EINVAL;
  return library().configure([&](Config& c) { c.own_entry = enabled == 1; });
}
int clt_set_domain(const char* prefixes) {
  if (prefixes == nullptr) return -EINVAL;
  std::vector<clt::encap::Prefix> parsed;
  std::string_view rest = prefixes;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    auto p = clt::encap::Prefix::parse(item);
    if (!p) return -EINVAL;
    parsed.push_back(*p);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (parsed.empty()) return -EINVAL;
  return library().configure([&](Config& c) { c.domain = parsed; });
}
int clt_set_node_id(uint32_t node_id) {
  return library().configure([&](Config& c) { c.node_id = node_id; });
}
int clt_set_namespace_data(uint32_t namespace_data) {
  return library().configure([&](Config& c) { c.namespace_data = namespace_data; });
}
int clt_refresh_node(void) {
  return library().refresh();
}

uint16_t clt_get_namespace(void) {
  return library().config().namespace_id;
}
uint32_t clt_get_trace_type(void) {
  return library().config().trace_type;
}
uint8_t clt_get_slots(void) {
  return library().config().slots;
}
int clt_header_size(void) {
  const Encapsulator* e = library().current();
  return e != nullptr ? static_cast<int>(e->header_size()) : 0;
}

}  // extern "C"
