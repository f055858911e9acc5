#pragma once

// gRPC client credentials from the TLS files a program was given: what the
// agent's reporter and the OTLP/gRPC sender both connect with.

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "tls/tls_files.h"

namespace clt::tls {

// TLS with the files' material (no CA file: the system's roots); nullptr with
// `error` set when a file is missing or wrong.
std::shared_ptr<grpc::ChannelCredentials> grpc_tls_credentials(const TlsPaths& paths,
                                                               std::string& error);

}  // namespace clt::tls
