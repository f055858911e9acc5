#include "agent/reporter_credentials.h"

#include <grpcpp/security/credentials.h>

#include "tls/grpc_credentials.h"

namespace clt::agent {

std::shared_ptr<grpc::ChannelCredentials> collector_credentials(const tls::TlsPaths& paths,
                                                                bool unix_socket,
                                                                std::string& error) {
  if (!paths.given()) return grpc::InsecureChannelCredentials();
  if (unix_socket) {
    error =
        "--tls-ca/--tls-cert apply to a TCP collector address: the collector serves its "
        "Unix sockets in plaintext (give HOST:PORT, or drop the TLS options)";
    return nullptr;
  }
  return tls::grpc_tls_credentials(paths, error);
}

}  // namespace clt::agent
