#pragma once

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "tls/tls_files.h"

namespace clt::agent {

// The report channel's credentials: TLS when any of the files is given
// (checked now, so that a bad file is one line at start-up), plaintext
// otherwise. nullptr with `error` set on a bad file, or for TLS to a Unix
// socket (the collector serves those in plaintext).
std::shared_ptr<grpc::ChannelCredentials> collector_credentials(const tls::TlsPaths& paths,
                                                                bool unix_socket,
                                                                std::string& error);

}  // namespace clt::agent
