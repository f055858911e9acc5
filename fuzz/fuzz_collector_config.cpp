// libFuzzer target: the collector's configuration file (--config, JSON:
// {"node_names": {"1": "athos"}}). Bad input must be refused with a short
// reason; nothing may crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collector/model/node_names.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  clt::collector::NodeNames names;
  std::string error;
  if (!names.load_text(text, "fuzz.json", error)) {
    if (error.empty() || error.size() > 4096) __builtin_trap();
  }
  return 0;
}
