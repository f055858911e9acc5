#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "tls/tls_files.h"

namespace clt::collector {

// The HTTP listeners' TLS: TLS 1.2 or later, the collector's certificate,
// and with a client CA a client certificate required and verified.
class ServerTlsContext {
 public:
  // nullptr with `error` set when OpenSSL refuses the material.
  static std::shared_ptr<ServerTlsContext> create(const tls::TlsMaterial& material,
                                                  std::string& error);
  boost::asio::ssl::context& context() { return context_; }

 private:
  ServerTlsContext() : context_(boost::asio::ssl::context::tls_server) {}
  boost::asio::ssl::context context_;
};

}  // namespace clt::collector
