#!/usr/bin/env bash
# Makes the TLS material of a test in DIR, fresh each run (keys are never
# kept): a CA and the collector's certificate it signed (for 127.0.0.1, ::1
# and localhost), a client certificate it signed, and a second, unrelated CA
# with a client certificate of its own (the "wrong CA").
#   make_test_certs.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
ca() {  # ca NAME SUBJECT
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 2 -out "$1.crt" \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # leaf NAME CA SUBJECT EXTENSIONS
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$3" -out "$1.csr"
  printf '%s\n' "$4" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "clt test CA"
leaf server ca "clt collector" \
  "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client ca "clt test client" "extendedKeyUsage=clientAuth"
ca other-ca "unrelated test CA"
leaf other-client other-ca "unrelated client" "extendedKeyUsage=clientAuth"
