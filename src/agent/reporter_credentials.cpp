#include "agent/reporter_credentials.h"

#include <grpcpp/security/credentials.h>

namespace clt::agent {

std::shared_ptr<grpc::ChannelCredentials> collector_credentials(const tls::TlsPaths& paths,
                                                                bool unix_socket,
                                                                std::string& error) {
  if (paths.ca_file.empty() && paths.cert_file.empty() && paths.key_file.empty())
    return grpc::InsecureChannelCredentials();
  if (unix_socket) {
    error =
        "--tls-ca/--tls-cert apply to a TCP collector address: the collector serves its "
        "Unix sockets in plaintext (give HOST:PORT, or drop the TLS options)";
    return nullptr;
  }
  tls::TlsMaterial material;
  if (!tls::load_tls_material(paths, material, error)) return nullptr;
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = material.ca_pem;  // empty: the system's roots
  ssl.pem_private_key = material.key_pem;
  ssl.pem_cert_chain = material.cert_pem;
  return grpc::SslCredentials(ssl);
}

}  // namespace clt::agent
