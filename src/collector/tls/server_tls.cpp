#include "collector/tls/server_tls.h"

#include <openssl/ssl.h>

namespace clt::collector {

std::shared_ptr<ServerTlsContext> ServerTlsContext::create(const tls::TlsMaterial& material,
                                                           std::string& error) {
  namespace ssl = boost::asio::ssl;
  std::shared_ptr<ServerTlsContext> tls(new ServerTlsContext());
  ssl::context& c = tls->context_;
  boost::system::error_code ec;
  c.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::single_dh_use,
                ec);
  if (!ec) c.use_certificate_chain(boost::asio::buffer(material.cert_pem), ec);
  if (!ec) c.use_private_key(boost::asio::buffer(material.key_pem), ssl::context::pem, ec);
  if (!ec && !material.ca_pem.empty()) {
    c.add_certificate_authority(boost::asio::buffer(material.ca_pem), ec);
    if (!ec) c.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  }
  if (ec) {
    error = "cannot set up TLS: " + ec.message() + "; check --tls-cert, --tls-key and " +
            "--tls-client-ca";
    return nullptr;
  }
  return tls;
}

}  // namespace clt::collector
