#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "encap/clt_socket.h"

namespace clt::encap {

std::optional<Prefix> Prefix::parse(std::string_view text) {
  Prefix p;
  std::string_view addr = text;
  unsigned length = 128;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view len_text = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
    if (ec != std::errc{} || end != len_text.data() + len_text.size() || len_text.empty() ||
        length > 128)
      return std::nullopt;
  }
  char buf[INET6_ADDRSTRLEN + 1];
  if (addr.empty() || addr.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  if (inet_pton(AF_INET6, buf, p.address.data()) != 1) return std::nullopt;
  p.length = static_cast<std::uint8_t>(length);
  // Normalise: host bits cleared, so to_string shows the network.
  for (unsigned bit = length; bit < 128; ++bit)
    p.address[bit / 8] = static_cast<std::uint8_t>(p.address[bit / 8] & ~(0x80u >> (bit % 8)));
  return p;
}

bool Prefix::contains(const std::array<std::uint8_t, 16>& addr) const {
  const unsigned full = length / 8;
  if (std::memcmp(addr.data(), address.data(), full) != 0) return false;
  const unsigned rest = length % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return (addr[full] & mask) == (address[full] & mask);
}

std::string Prefix::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, address.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(length);
}

}  // namespace clt::encap
