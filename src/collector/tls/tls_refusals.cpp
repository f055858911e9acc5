#include "collector/tls/tls_refusals.h"

#include <openssl/ssl.h>

#include <cctype>
#include <string>

namespace clt::collector {

TlsRefusals::TlsRefusals(Metrics& metrics, os::Log& log) : metrics_(metrics) {
  for (std::size_t l = 0; l < kTlsListeners; ++l) {
    std::string what = "refused a TLS connection on ";
    what += tls_listener_name(static_cast<TlsListener>(l));
    logs_.push_back(std::make_unique<os::RateLimitedError>(log, std::move(what)));
  }
}

void TlsRefusals::refused(TlsListener listener, TlsRefusal reason) {
  metrics_.tls_refusals(listener, reason).fetch_add(1, std::memory_order_relaxed);
  logs_[static_cast<std::size_t>(listener)]->report(tls_refusal_advice(reason));
}

const char* tls_refusal_advice(TlsRefusal reason) {
  switch (reason) {
    case TlsRefusal::plaintext:
      return "plaintext: the client did not speak TLS (give it an https:// endpoint or its TLS "
             "options and the collector's CA)";
    case TlsRefusal::no_client_certificate:
      return "no_client_certificate: the client sent no certificate and --tls-client-ca requires "
             "one (give the client a certificate signed by that CA)";
    case TlsRefusal::untrusted_client_certificate:
      return "untrusted_client_certificate: the client's certificate is not signed by "
             "--tls-client-ca (or has expired)";
    case TlsRefusal::peer_rejected_certificate:
      return "peer_rejected_certificate: the client does not trust the collector's certificate "
             "(give it the CA that signed --tls-cert, and a name or address the certificate "
             "lists)";
    case TlsRefusal::timeout:
      return "timeout: the TLS handshake did not complete in time";
    case TlsRefusal::other:
      break;
  }
  return "other: the TLS handshake failed";
}

TlsRefusal tls_refusal_from_openssl(int reason) {
  switch (reason) {
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_UNSUPPORTED_PROTOCOL:
      return TlsRefusal::plaintext;
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      return TlsRefusal::no_client_certificate;
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return TlsRefusal::untrusted_client_certificate;
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
      return TlsRefusal::peer_rejected_certificate;
    default:
      return TlsRefusal::other;
  }
}

bool tls_refusal_from_grpc_log(std::string_view message, TlsRefusal& out) {
  if (message.find("Handshake failed") == std::string_view::npos) return false;
  // OpenSSL spells reasons "wrong version number", BoringSSL
  // "WRONG_VERSION_NUMBER".
  std::string text(message);
  for (char& c : text)
    c = c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  struct Phrase {
    std::string_view text;
    TlsRefusal reason;
  };
  static constexpr Phrase kPhrases[] = {
      {"wrong version number", TlsRefusal::plaintext},
      {"http request", TlsRefusal::plaintext},
      {"unknown protocol", TlsRefusal::plaintext},
      {"peer did not return a certificate", TlsRefusal::no_client_certificate},
      {"certificate verify failed", TlsRefusal::untrusted_client_certificate},
      {"unknown ca", TlsRefusal::peer_rejected_certificate},
      {"bad certificate", TlsRefusal::peer_rejected_certificate},
      {"certificate unknown", TlsRefusal::peer_rejected_certificate},
  };
  for (const auto& p : kPhrases) {
    if (text.find(p.text) != std::string::npos) {
      out = p.reason;
      return true;
    }
  }
  out = TlsRefusal::other;
  return true;
}

}  // namespace clt::collector
