#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "collector/model/metrics.h"
#include "os/log.h"

namespace clt::collector {

// Where every refused TLS connection goes: a counter by listener and reason
// (clt_collector_tls_refused_total), and one log line per listener and
// reason, repeated at most every few seconds with how often it happened.
class TlsRefusals {
 public:
  TlsRefusals(Metrics& metrics, os::Log& log);
  void refused(TlsListener listener, TlsRefusal reason);

 private:
  Metrics& metrics_;
  std::vector<std::unique_ptr<os::RateLimitedError>> logs_;  // by listener
};

// What the reason means for whoever reads the log.
const char* tls_refusal_advice(TlsRefusal reason);

// The refusal an OpenSSL error reason (ERR_GET_REASON) stands for.
TlsRefusal tls_refusal_from_openssl(int reason);

// The refusal a gRPC log line describes ("Handshake failed with fatal error
// SSL_ERROR_SSL: error:...:wrong version number."), or false when the line is
// not about a failed handshake.
bool tls_refusal_from_grpc_log(std::string_view message, TlsRefusal& out);

}  // namespace clt::collector
