#pragma once

#include <string>

// TLS material as the programs are given it: PEM files named on the command
// line or in the environment. Read and checked once at start-up, so that a
// missing file, a key that does not belong to its certificate or a file that
// is not PEM is one clear line before anything listens or connects.
namespace clt::tls {

// Where the material is, and the option (or variable) that named each file,
// for the error messages.
struct TlsPaths {
  std::string cert_file, key_file, ca_file;
  std::string cert_option = "--tls-cert", key_option = "--tls-key", ca_option = "--tls-ca";
  // Whether any file is named (TLS asked for).
  bool given() const { return !cert_file.empty() || !key_file.empty() || !ca_file.empty(); }
};

// The files' contents (PEM), checked: the certificate chain parses, the key
// parses and matches the first certificate, the CA file holds at least one
// certificate. Empty strings for files not given.
struct TlsMaterial {
  std::string cert_pem, key_pem, ca_pem;
  bool has_identity() const { return !cert_pem.empty(); }
};

// False with `error` set (one line: which file, what is wrong, what to do).
// A certificate without its key (or the reverse) is an error.
bool load_tls_material(const TlsPaths& paths, TlsMaterial& out, std::string& error);

}  // namespace clt::tls
