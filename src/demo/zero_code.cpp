#include "demo/zero_code.h"

#include <filesystem>

#include "os/process.h"

namespace clt::demo {

namespace fs = std::filesystem;

std::string zero_code_problem(const std::string& dir) {
  const std::string install = "run `scripts/install-deps.sh zero-code` (or `make demo-zero-code`)";
  if (os::run_command({"node", "--version"}).exit_code != 0) {
    return "--zero-code needs Node.js (Debian package nodejs): " + install;
  }
  for (const char* file : {"api.js", "backend.js", "tracing.js", "package-lock.json"}) {
    if (!fs::exists(fs::path(dir) / file)) {
      return "--zero-code: " + dir + " has no " + file +
             " (the services' directory is demo/zero-code in the source tree; --zero-code-dir "
             "points elsewhere)";
    }
  }
  for (const char* package :
       {"@opentelemetry/sdk-trace-node", "@opentelemetry/instrumentation-http",
        "@opentelemetry/exporter-trace-otlp-grpc"}) {
    if (!fs::exists(fs::path(dir) / "node_modules" / package / "package.json")) {
      return std::string("--zero-code: the npm package ") + package + " is not installed in " +
             dir + ": " + install;
    }
  }
  return {};
}

std::vector<std::string> zero_code_argv(const std::string& dir, const ZeroCodeService& service,
                                        std::uint32_t uid, std::uint32_t gid) {
  const fs::path base(dir);
  std::vector<std::string> argv = {
      "setpriv",
      "--reuid=" + std::to_string(uid),
      "--regid=" + std::to_string(gid),
      "--clear-groups",
      "--inh-caps=-all",
      "--ambient-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "env",
      "OTEL_SERVICE_NAME=" + service.service,
      "OTEL_RESOURCE_ATTRIBUTES=host.name=" + service.node,
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=unix://" + service.otlp_socket,
      "OTEL_EXPORTER_OTLP_TRACES_INSECURE=true",
      "node",
      "--require",
      (base / "tracing.js").string(),
      (base / service.script).string()};
  argv.insert(argv.end(), service.args.begin(), service.args.end());
  return argv;
}

}  // namespace clt::demo
