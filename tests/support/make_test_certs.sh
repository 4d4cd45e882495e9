#!/usr/bin/env bash
# Generates throwaway certificates for tests, with the openssl CLI, into DIR:
#   ca.pem ca.key                 a test CA
#   server.pem server.key         server certificate for 127.0.0.1 / localhost
#   client.pem client.key         client certificate signed by the CA
#   rogue-ca.pem                  a second, untrusted CA
#   rogue-client.pem rogue-client.key  client certificate signed by the rogue CA
# usage: make_test_certs.sh DIR [CLIENT_ORGANISATION]
# CLIENT_ORGANISATION (default A99001) goes in the client certificates' O= field.
set -euo pipefail
dir="$1"
org="${2:-A99001}"
mkdir -p "$dir"
cd "$dir"
days=2
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
ca() {  # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days "$days" -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
}
leaf() {  # name ca subject extfile-lines
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "$3" 2>/dev/null
  printf '%b' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -out "$1.pem" -days "$days" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "/CN=caregate test CA"
ca rogue-ca "/CN=rogue test CA"
leaf server ca "/CN=localhost" \
  "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
leaf client ca "/CN=caregate test client/O=$org" \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n"
leaf rogue-client rogue-ca "/CN=rogue client/O=$org" \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n"
