#include "collector/tls/grpc_tls_log.h"

#include <grpc/support/log.h>

#include <atomic>
#include <cstdio>

namespace clt::collector {

namespace {

// The callback's only way to its instance (see the class comment).
std::atomic<TlsRefusals*> current_refusals{nullptr};

void print(gpr_log_func_args* args) {
  std::fprintf(stderr, "clt collector: gRPC %s %s:%d] %s\n",
               gpr_log_severity_string(args->severity), args->file, args->line, args->message);
}

void log_function(gpr_log_func_args* args) {
  TlsRefusal reason{};
  TlsRefusals* refusals = current_refusals.load(std::memory_order_acquire);
  if (refusals && tls_refusal_from_grpc_log(args->message, reason)) {
    refusals->refused(TlsListener::grpc, reason);
    return;
  }
  print(args);
}

}  // namespace

GrpcTlsLog::GrpcTlsLog(TlsRefusals& refusals) {
  current_refusals.store(&refusals, std::memory_order_release);
  gpr_set_log_function(&log_function);
}

GrpcTlsLog::~GrpcTlsLog() {
  current_refusals.store(nullptr, std::memory_order_release);
}

}  // namespace clt::collector
