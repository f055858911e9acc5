#include "collector/tls/server_tls_options.h"

namespace clt::collector {

bool load_server_tls(const ServerTlsOptions& options, tls::TlsMaterial& out, std::string& error) {
  if (!options.client_ca_file.empty() && !options.enabled()) {
    error =
        "--tls-client-ca needs --tls-cert and --tls-key: client certificates are checked only "
        "over TLS";
    return false;
  }
  tls::TlsPaths paths;
  paths.cert_file = options.cert_file;
  paths.key_file = options.key_file;
  paths.ca_file = options.client_ca_file;
  paths.ca_option = "--tls-client-ca";
  return load_tls_material(paths, out, error);
}

}  // namespace clt::collector
