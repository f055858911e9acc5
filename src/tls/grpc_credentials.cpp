#include "tls/grpc_credentials.h"

namespace clt::tls {

std::shared_ptr<grpc::ChannelCredentials> grpc_tls_credentials(const TlsPaths& paths,
                                                               std::string& error) {
  TlsMaterial material;
  if (!load_tls_material(paths, material, error)) return nullptr;
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = material.ca_pem;  // empty: the system's roots
  ssl.pem_private_key = material.key_pem;
  ssl.pem_cert_chain = material.cert_pem;
  return grpc::SslCredentials(ssl);
}

}  // namespace clt::tls
