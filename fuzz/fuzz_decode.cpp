// libFuzzer target: any byte string, under every link type, must decode to a
// typed result without a crash or an out-of-bounds read (ASan/UBSan watch).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/packet.h"
#include "core/trace_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto packet = std::make_unique<clt::core::DecodedPacket>();
  if (size == 0) return 0;
  // The first byte picks the link type and layout, the rest is the frame.
  const auto link = static_cast<clt::core::LinkType>(data[0] % 4);
  constexpr clt::core::Layout kLayouts[] = {clt::core::Layout::kClt, clt::core::Layout::kPlain,
                                            clt::core::Layout::kPublished};
  const clt::core::LayoutPolicy policy(kLayouts[(data[0] >> 6) % 3]);
  const std::span<const std::uint8_t> frame(data + 1, size - 1);
  const auto e = clt::core::decode_packet(frame, link, policy, *packet);
  std::string json;
  for (std::size_t i = 0; i < packet->trace_count; ++i) {
    const auto& t = packet->traces[i];
    if (t.node_count > clt::core::kMaxNodes) __builtin_trap();
    clt::core::JsonContext ctx{1, 0, 0, &packet->src, &packet->dst};
    clt::core::append_trace_json(json, t, ctx);
  }
  if (e != clt::core::DecodeError::kOk) clt::core::append_error_json(json, 1, e);
  return 0;
}
