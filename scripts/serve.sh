#!/usr/bin/env bash
# The main job: docseal-server with a DEMO seal on https://127.0.0.1:8443/ (prints the URL, the
# manifest path and, on first start, how to trust its local CA). Open the URL in a browser to drop
# a document and seal it, or sideload manifest/manifest.xml into Word or Excel (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -q -p docseal-server
exec target/release/docseal-server --demo "$@"
