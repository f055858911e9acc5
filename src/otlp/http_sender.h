#pragma once

#include <memory>
#include <string>

#include "otlp/otlp_sender.h"

namespace clt::otlp {

std::unique_ptr<Sender> make_http_sender(const SenderConfig& config, std::string& error);

}  // namespace clt::otlp
