#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "os/genetlink.h"

namespace clt::capture {

// One IOAM trace event: emitted by the kernel of this network namespace each
// time it processes (fills) a pre-allocated trace on ingress. data holds the
// filled node entries as they sit in the option after this node wrote its
// own, i.e. this node's entry first; it never includes CLT ids.
struct IoamEvent {
  std::uint16_t namespace_id = 0;
  std::uint8_t node_len = 0;
  std::uint32_t trace_type = 0;  // 24 bits
  std::span<const std::uint8_t> data;
};

enum class EventParse : std::uint8_t { kTraceEvent, kOtherMessage, kMalformed };

// Parses one netlink message (from its nlmsghdr) of the IOAM6 family.
EventParse parse_ioam_event(std::span<const std::uint8_t> message, std::uint16_t family_id,
                            IoamEvent& out);

enum class EventOpenFailure : std::uint8_t { kNone, kNoKernelSupport, kPermission, kOther };

// A generic-netlink socket subscribed to the IOAM6 family's event group.
class IoamEventSocket {
 public:
  static std::unique_ptr<IoamEventSocket> open(std::string& error, EventOpenFailure& failure);
  ~IoamEventSocket();
  IoamEventSocket(const IoamEventSocket&) = delete;
  IoamEventSocket& operator=(const IoamEventSocket&) = delete;

  int fd() const;
  std::uint16_t family_id() const { return family_id_; }

  // Reads every queued datagram without blocking and hands each trace event
  // to on_event. Returns the events handed over.
  template <typename OnEvent>
  std::size_t drain(OnEvent&& on_event);

  // Datagrams the kernel could not queue (ENOBUFS): events lost.
  std::uint64_t overruns() const { return overruns_; }
  std::uint64_t malformed() const { return malformed_; }

 private:
  IoamEventSocket() = default;
  // Reads up to kBatch datagrams into buffer_ with one recvmmsg; returns how
  // many (0 when nothing is queued); lengths_ holds their sizes.
  std::size_t receive();
  static constexpr std::size_t kBatch = 64;
  static constexpr std::size_t kDatagramBytes = 4096;
  std::unique_ptr<os::GenlSocket> socket_;
  std::uint16_t family_id_ = 0;
  std::vector<std::uint8_t> buffer_;  // kBatch slots of kDatagramBytes
  std::array<std::size_t, kBatch> lengths_{};
  std::uint64_t overruns_ = 0;
  std::uint64_t malformed_ = 0;
};

std::size_t netlink_message_length(std::span<const std::uint8_t> bytes);

template <typename OnEvent>
std::size_t IoamEventSocket::drain(OnEvent&& on_event) {
  std::size_t handed = 0;
  while (std::size_t datagrams = receive()) {
    for (std::size_t d = 0; d < datagrams; ++d) {
      std::span<const std::uint8_t> rest(buffer_.data() + d * kDatagramBytes, lengths_[d]);
      while (!rest.empty()) {
        const std::size_t len = netlink_message_length(rest);
        if (len == 0) {
          ++malformed_;
          break;
        }
        IoamEvent event;
        switch (parse_ioam_event(rest.first(std::min(len, rest.size())), family_id_, event)) {
          case EventParse::kTraceEvent:
            on_event(static_cast<const IoamEvent&>(event));
            ++handed;
            break;
          case EventParse::kOtherMessage:
            break;
          case EventParse::kMalformed:
            ++malformed_;
            break;
        }
        if (len >= rest.size()) break;
        rest = rest.subspan(len);
      }
    }
    if (datagrams < kBatch) break;
  }
  return handed;
}

}  // namespace clt::capture
