#pragma once

#include "collector/tls/tls_refusals.h"

namespace clt::collector {

// gRPC reports a refused TLS handshake only as a log line, one per
// connection. While an instance lives, gRPC's log goes through it: those
// lines become counted, rate-limited refusals (listener "grpc"), the other
// lines go to stderr as gRPC would print them. gRPC's log callback takes no
// context, so one instance at a time serves the process.
class GrpcTlsLog {
 public:
  explicit GrpcTlsLog(TlsRefusals& refusals);
  ~GrpcTlsLog();
  GrpcTlsLog(const GrpcTlsLog&) = delete;
  GrpcTlsLog& operator=(const GrpcTlsLog&) = delete;
};

}  // namespace clt::collector
