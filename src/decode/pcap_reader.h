#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/packet.h"

namespace clt::decode {

// Reads pcap and pcapng files through libpcap, one frame at a time.
class PcapReader {
 public:
  // Opens path; on failure returns nullopt and sets error to a sentence.
  static std::optional<PcapReader> open(const std::string& path, std::string& error);

  struct Frame {
    std::span<const std::uint8_t> bytes;  // as captured (at most the snap length)
    std::size_t wire_size;                // the frame's length on the wire
    std::int64_t time_sec;
    std::int32_t time_usec;
  };
  // Next frame, or nullopt at the end of the file (or on a read error, see error()).
  std::optional<Frame> next();
  const std::string& error() const { return error_; }
  // The core's framing for this file's link type; nullopt if unsupported.
  std::optional<core::LinkType> link_type() const { return link_; }
  int dlt() const;

 private:
  struct Closer {
    void operator()(pcap_t* p) const { pcap_close(p); }
  };
  explicit PcapReader(pcap_t* handle);
  std::unique_ptr<pcap_t, Closer> handle_;
  std::optional<core::LinkType> link_;
  std::string error_;
};

}  // namespace clt::decode
