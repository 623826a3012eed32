#!/usr/bin/env bash
# Makes a SoftHSM2 token for tests in DIR (its own softhsm2.conf and token store; nothing
# system-wide), with keys generated ON the token (sensitive, not extractable):
#   id 01 "Official Seal"  RSA-2048        id 02 "Finance Seal"  EC P-256
# and their certificates, issued by the test CA in PKI_DIR (tests/make-test-pki.sh), stored beside.
# Token label "SealKey", user PIN 123456, SO PIN 87654321. Prints the SOFTHSM2_CONF path.
set -euo pipefail
DIR=$1 PKI=$2
MODULE=$(for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do [ -f "$m" ] && { echo "$m"; break; }; done)
[ -n "${MODULE:-}" ] || { echo "softhsm2 is not installed" >&2; exit 2; }
mkdir -p "$DIR/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$DIR" > "$DIR/softhsm2.conf"
export SOFTHSM2_CONF="$DIR/softhsm2.conf"
if ! softhsm2-util --show-slots 2>/dev/null | grep -q "Label:.*SealKey"; then
  softhsm2-util --init-token --free --label SealKey --so-pin 87654321 --pin 123456 >/dev/null
  p11() { pkcs11-tool --module "$MODULE" --token-label SealKey --login --pin 123456 "$@" >/dev/null 2>&1; }
  printf "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n" > "$DIR/leaf.ext"
  for spec in "01:rsa:2048:Official Seal" "02:EC:prime256v1:Finance Seal"; do
    IFS=: read -r id kt kp name <<<"$spec"
    p11 --keypairgen --key-type "$kt:$kp" --id "$id" --label "$name" --sensitive --private
    pkcs11-tool --module "$MODULE" --token-label SealKey --login --pin 123456 --read-object --type pubkey --id "$id" -o "$DIR/pub$id.der" >/dev/null 2>&1
    openssl pkey -pubin -inform DER -in "$DIR/pub$id.der" -out "$DIR/pub$id.pem"
    openssl x509 -new -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -force_pubkey "$DIR/pub$id.pem" \
      -subj "/CN=Example Trading Co. Ltd. $name/O=Example Trading Co. Ltd./C=CN" -days 730 \
      -extfile "$DIR/leaf.ext" -out "$DIR/cert$id.pem" 2>/dev/null
    openssl x509 -in "$DIR/cert$id.pem" -outform DER -out "$DIR/cert$id.der"
    p11 --write-object "$DIR/cert$id.der" --type cert --id "$id" --label "$name"
  done
fi
echo "$SOFTHSM2_CONF"
