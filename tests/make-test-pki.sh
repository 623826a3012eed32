#!/usr/bin/env bash
# Makes a throw-away test PKI in DIR: a seal-center root CA, an RSA-2048 seal (PKCS#12 with
# password "test-pin", and PEM), an EC P-256 seal (PEM), and an untrusted self-signed seal.
# Test-only keys: made fresh for each test run, never committed.
set -euo pipefail
DIR=${1:?usage: make-test-pki.sh DIR}
mkdir -p "$DIR" && cd "$DIR"
[ -f ca.key ] && exit 0
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
  -subj "/CN=Test Seal Center Root/O=Test Seal Center/C=CN" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
printf "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n" > leaf.ext
leaf() { # name keyspec subject
  q openssl req -new -newkey "$2" -nodes -keyout "$1.key" -out "$1.csr" -subj "$3"
  q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 730 -extfile leaf.ext -out "$1.pem"
}
leaf rsa rsa:2048 "/CN=Example Trading Co. Ltd. Official Seal/O=Example Trading Co. Ltd./C=CN"
q openssl pkcs12 -export -inkey rsa.key -in rsa.pem -certfile ca.pem -name "Official Seal" -passout pass:test-pin -out rsa.p12
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key
q openssl req -new -key ec.key -out ec.csr -subj "/CN=Example Trading Co. Ltd. Finance Seal/O=Example Trading Co. Ltd./C=CN"
q openssl x509 -req -in ec.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 730 -extfile leaf.ext -out ec.pem
q openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 365 -subj "/CN=Rogue Seal/O=Nobody/C=XX"
# A CRL from the seal center that reports the EC (finance) seal lost.
printf '[ca]\ndefault_ca=tca\n[tca]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=30\n' > ca.cnf
: > index.txt; echo 01 > crlnumber
q openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -revoke ec.pem
q openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out lost-ec.crl
printf 'test-pin\n' > pin.txt
# A time-stamping authority under the same root (RFC 3161 §2.3: extendedKeyUsage timeStamping,
# critical), answering with `openssl ts -reply -config tsa.cnf` in this folder; genTime carries
# milliseconds, as many public TSAs write it.
printf "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\n" > tsa.ext
q openssl req -new -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.csr -subj "/CN=Test Time-Stamping Authority/O=Test Seal Center/C=CN"
q openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 730 -extfile tsa.ext -out tsa.pem
cat > tsa.cnf <<'CNF'
[tsa]
default_tsa = tsa1
[tsa1]
serial = ./tsaserial
crypto_device = builtin
signer_cert = ./tsa.pem
certs = ./ca.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha1, sha256, sha384, sha512
accuracy = secs:1, millisecs:500
clock_precision_digits = 3
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
echo 01 > tsaserial
