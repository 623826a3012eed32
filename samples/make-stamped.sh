#!/usr/bin/env bash
# Writes samples/stamped/: a stamped DOCX and XLSX and PNG renderings of their first pages.
# They are sealed with the committed TEST-ONLY key (engine/tests/data/golden-*.pem), so
#   docseal verify --trust engine/tests/data/golden-cert.pem samples/stamped/*.sealed.*
# says valid. Needs LibreOffice and poppler-utils for the renderings.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
D=target/release/docseal K=engine/tests/data OUT=samples/stamped
mkdir -p "$OUT"
$D image --name "Example Trading Co. Ltd." --text "Contract Seal" --serial 1101020012345 -o "$OUT/seal.png"
rm -f "$OUT"/*.sealed.*
$D stamp samples/documents/contract.docx -o "$OUT/contract.sealed.docx" --key $K/golden-key.pem --cert $K/golden-cert.pem \
  --image "$OUT/seal.png" --at-text "Example Trading Co. Ltd." --occurrence last
$D stamp samples/documents/ledger.xlsx -o "$OUT/ledger.sealed.xlsx" --key $K/golden-key.pem --cert $K/golden-cert.pem \
  --image "$OUT/seal.png" --at-text "Example Trading Co. Ltd."
tmp=$(mktemp -d)
soffice -env:UserInstallation=file://$tmp/profile --headless --convert-to pdf --outdir "$tmp" "$OUT"/*.sealed.* >/dev/null 2>&1
pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$tmp/contract.sealed.pdf" "$OUT/contract.sealed.page1"
pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$tmp/ledger.sealed.pdf" "$OUT/ledger.sealed.page1"
rm -rf "$tmp"
$D verify --trust $K/golden-cert.pem "$OUT"/*.sealed.docx "$OUT"/*.sealed.xlsx
