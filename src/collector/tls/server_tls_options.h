#pragma once

#include <string>

#include "tls/tls_files.h"

namespace clt::collector {

// The collector's TLS settings as given (--tls-cert, --tls-key,
// --tls-client-ca); they cover every TCP listener.
struct ServerTlsOptions {
  std::string cert_file, key_file, client_ca_file;
  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

// Reads and checks the files. False with `error` set (one line) when a file
// is missing, unreadable, not PEM, or the key does not match the
// certificate; --tls-client-ca without a certificate is an error too.
bool load_server_tls(const ServerTlsOptions& options, tls::TlsMaterial& out, std::string& error);

}  // namespace clt::collector
