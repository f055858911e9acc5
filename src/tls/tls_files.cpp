#include "tls/tls_files.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace clt::tls {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Bio memory_bio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

bool read_file(const std::string& path, const std::string& option, std::string& out,
               std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = option + " " + path + ": cannot read it (" + std::strerror(errno) +
            "); give the path of a readable PEM file";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  if (out.find("-----BEGIN ") == std::string::npos) {
    error = option + " " + path + ": not a PEM file (no -----BEGIN line); convert it with " +
            "openssl (e.g. openssl x509 -inform der -in FILE -out FILE.pem)";
    return false;
  }
  return true;
}

Cert first_certificate(const std::string& pem) {
  Bio bio = memory_bio(pem);
  return Cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "unknown error";
}

bool check_certificate(const std::string& pem, const std::string& option, const std::string& path,
                       std::string& error) {
  if (first_certificate(pem)) return true;
  error = option + " " + path + ": holds no PEM certificate (" + openssl_reason() +
          "); give a file with -----BEGIN CERTIFICATE-----";
  return false;
}

bool check_key(const TlsPaths& paths, const TlsMaterial& m, std::string& error) {
  Bio bio = memory_bio(m.key_pem);
  Key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    error = paths.key_option + " " + paths.key_file + ": holds no unencrypted PEM private key (" +
            openssl_reason() + "); decrypt it with openssl pkey -in FILE -out FILE.key";
    return false;
  }
  Cert cert = first_certificate(m.cert_pem);
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    error = paths.key_option + " " + paths.key_file + " is not the key of the certificate in " +
            paths.cert_option + " " + paths.cert_file +
            "; give the key the certificate was made for";
    return false;
  }
  return true;
}

}  // namespace

bool load_tls_material(const TlsPaths& paths, TlsMaterial& out, std::string& error) {
  TlsMaterial m;
  if (paths.cert_file.empty() != paths.key_file.empty()) {
    error = paths.cert_option + " and " + paths.key_option +
            " go together: give both (the certificate and its private key) or neither";
    return false;
  }
  if (!paths.cert_file.empty()) {
    if (!read_file(paths.cert_file, paths.cert_option, m.cert_pem, error)) return false;
    if (!check_certificate(m.cert_pem, paths.cert_option, paths.cert_file, error)) return false;
    if (!read_file(paths.key_file, paths.key_option, m.key_pem, error)) return false;
    if (!check_key(paths, m, error)) return false;
  }
  if (!paths.ca_file.empty()) {
    if (!read_file(paths.ca_file, paths.ca_option, m.ca_pem, error)) return false;
    if (!check_certificate(m.ca_pem, paths.ca_option, paths.ca_file, error)) return false;
  }
  out = std::move(m);
  return true;
}

}  // namespace clt::tls
