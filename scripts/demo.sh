#!/usr/bin/env bash
# The main job, for a newcomer: seals the bundled samples with a demo seal and checks them.
# Makes a throw-away demo PKI (target/demo/pki), draws a seal, stamps samples/documents/* into target/demo/,
# verifies them with docseal, and — when LibreOffice is installed — asks LibreOffice too.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -q
OUT=target/demo
mkdir -p "$OUT"
tests/make-test-pki.sh "$OUT/pki"
target/release/docseal image --name "Example Trading Co. Ltd." --text "Contract Seal" -o "$OUT/seal.png"
for f in samples/documents/*.docx samples/documents/*.xlsx; do
  name=$(basename "$f"); sealed="$OUT/${name%.*}.sealed.${name##*.}"
  rm -f "$sealed"
  # The seal goes on the company name where the document signs off (the report: at its end).
  case "$name" in
    report.docx) place=(--at-end) ;;
    *) place=(--at-text "Example Trading Co. Ltd." --occurrence last) ;;
  esac
  target/release/docseal stamp "$f" -o "$sealed" --key "$OUT/pki/rsa.p12" --pin-file "$OUT/pki/pin.txt" \
    --image "$OUT/seal.png" "${place[@]}" --comment "docseal demo seal"
done
echo
echo "docseal's verdict (demo CA trusted):"
target/release/docseal verify --trust "$OUT/pki/ca.pem" "$OUT"/*.sealed.*
if command -v soffice >/dev/null 2>&1; then
  echo
  echo "LibreOffice's verdict:"
  /usr/bin/python3 tests/oracle/lo-verify --no-load --trust-ca "$OUT/pki/ca.pem" "$OUT"/*.sealed.* \
    | python3 -c 'import sys,json
for l in sys.stdin:
    d=json.loads(l); print("%s: %s" % (d["file"], d.get("document_signature_state") or d.get("error")))'
fi
echo
echo "Sealed copies are in $OUT/. Open one in Word or LibreOffice to see its signature."
