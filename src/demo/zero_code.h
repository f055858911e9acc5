#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace clt::demo {

// The zero-code demo's services: plain Node.js HTTP servers (api.js,
// backend.js) whose tracing is the official OpenTelemetry SDK, preloaded
// with `node --require tracing.js`, all in one directory with its npm
// packages installed.
struct ZeroCodeService {
  std::string script;       // "api.js"
  std::string service;      // OTEL_SERVICE_NAME
  std::string node;         // resource host.name
  std::string otlp_socket;  // the collector's OTLP/gRPC Unix socket
  std::vector<std::string> args;
};

// What is missing to run the services from dir (node, a script, the npm
// packages), with what to run to get it; empty when nothing is.
std::string zero_code_problem(const std::string& dir);

// The command that runs one service as uid/gid with no capability (every set
// emptied, no new privileges), to be run inside a node's namespace.
std::vector<std::string> zero_code_argv(const std::string& dir, const ZeroCodeService& service,
                                        std::uint32_t uid, std::uint32_t gid);

}  // namespace clt::demo
