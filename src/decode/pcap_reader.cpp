#include "decode/pcap_reader.h"

namespace clt::decode {

namespace {

std::optional<core::LinkType> link_for(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
      return core::LinkType::kEthernet;
    case DLT_RAW:
    case 101:  // LINKTYPE_RAW as stored in files
    case 229:  // LINKTYPE_IPV6
      return core::LinkType::kIpv6;
    case DLT_LINUX_SLL:
      return core::LinkType::kLinuxCooked;
    case 276:
      return core::LinkType::kLinuxCooked2;  // DLT_LINUX_SLL2
    default:
      return std::nullopt;
  }
}

}  // namespace

PcapReader::PcapReader(pcap_t* handle) : handle_(handle), link_(link_for(pcap_datalink(handle))) {}

std::optional<PcapReader> PcapReader::open(const std::string& path, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* h = pcap_open_offline(path.c_str(), errbuf);
  if (h == nullptr) {
    error = errbuf;
    return std::nullopt;
  }
  return PcapReader(h);
}

int PcapReader::dlt() const {
  return pcap_datalink(handle_.get());
}

std::optional<PcapReader::Frame> PcapReader::next() {
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(handle_.get(), &hdr, &data);
  if (rc == 1) {
    return Frame{{data, hdr->caplen},
                 hdr->len,
                 static_cast<std::int64_t>(hdr->ts.tv_sec),
                 static_cast<std::int32_t>(hdr->ts.tv_usec)};
  }
  if (rc == PCAP_ERROR) error_ = pcap_geterr(handle_.get());
  return std::nullopt;
}

}  // namespace clt::decode
