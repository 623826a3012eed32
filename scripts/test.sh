#!/usr/bin/env bash
# Runs every test: installs what is missing, then the unit, integration and interop tests.
# Tests that read ../shared (the Office-signed corpus) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo test --workspace --locked 2>&1
