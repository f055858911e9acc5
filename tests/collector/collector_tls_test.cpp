// The TLS refusals: what gRPC's log lines and OpenSSL's reasons are counted
// as, and how the counters show on /metrics.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "collector/model/metrics.h"
#include "collector/tls/tls_refusals.h"

namespace clt::collector {
namespace {

TlsRefusal from_log(std::string_view line) {
  TlsRefusal r{};
  EXPECT_TRUE(tls_refusal_from_grpc_log(line, r)) << line;
  return r;
}

TEST(TlsRefusals, GrpcLogLinesByReason) {
  EXPECT_EQ(from_log("Handshake failed with fatal error SSL_ERROR_SSL: error:0A00010B:SSL "
                     "routines::wrong version number."),
            TlsRefusal::plaintext);
  EXPECT_EQ(from_log("Handshake failed with fatal error SSL_ERROR_SSL: error:100000f7:SSL "
                     "routines:OPENSSL_internal:WRONG_VERSION_NUMBER."),
            TlsRefusal::plaintext);
  EXPECT_EQ(from_log("Handshake failed with fatal error SSL_ERROR_SSL: error:0A0000C7:SSL "
                     "routines::peer did not return a certificate."),
            TlsRefusal::no_client_certificate);
  EXPECT_EQ(from_log("Handshake failed with fatal error SSL_ERROR_SSL: error:0A000086:SSL "
                     "routines::certificate verify failed."),
            TlsRefusal::untrusted_client_certificate);
  EXPECT_EQ(from_log("Handshake failed with fatal error SSL_ERROR_SSL: error:0A000418:SSL "
                     "routines::tlsv1 alert unknown ca."),
            TlsRefusal::peer_rejected_certificate);
  EXPECT_EQ(from_log("Handshake failed with fatal error SSL_ERROR_SSL: something new."),
            TlsRefusal::other);
  TlsRefusal r{};
  EXPECT_FALSE(tls_refusal_from_grpc_log("Server started on port 4317", r));
}

TEST(TlsRefusals, OpenSslReasons) {
  EXPECT_EQ(tls_refusal_from_openssl(SSL_R_HTTP_REQUEST), TlsRefusal::plaintext);
  EXPECT_EQ(tls_refusal_from_openssl(SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE),
            TlsRefusal::no_client_certificate);
  EXPECT_EQ(tls_refusal_from_openssl(SSL_R_CERTIFICATE_VERIFY_FAILED),
            TlsRefusal::untrusted_client_certificate);
  EXPECT_EQ(tls_refusal_from_openssl(SSL_R_TLSV1_ALERT_UNKNOWN_CA),
            TlsRefusal::peer_rejected_certificate);
  EXPECT_EQ(tls_refusal_from_openssl(SSL_R_NO_SHARED_CIPHER), TlsRefusal::other);
}

TEST(TlsRefusals, CountedByListenerAndReasonOnMetrics) {
  Metrics metrics;
  os::Log log("collector-test");
  TlsRefusals refusals(metrics, log);
  refusals.refused(TlsListener::otlp_http, TlsRefusal::plaintext);
  refusals.refused(TlsListener::otlp_http, TlsRefusal::plaintext);
  refusals.refused(TlsListener::grpc, TlsRefusal::no_client_certificate);
  const std::string text = metrics.render_prometheus();
  EXPECT_NE(
      text.find("clt_collector_tls_refused_total{listener=\"otlp_http\",reason=\"plaintext\"} 2\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("clt_collector_tls_refused_total{listener=\"grpc\",reason=\"no_client_"
                      "certificate\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("clt_collector_tls_refused_total{listener=\"query_http\",reason=\"timeout\"} 0\n"),
      std::string::npos);
}

}  // namespace
}  // namespace clt::collector
