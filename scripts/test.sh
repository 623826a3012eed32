#!/usr/bin/env bash
# Runs every test: installs what is missing, then the unit, integration and interop tests.
# Tests that read ../shared (the Office-signed corpus) skip with a message when it is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 2
export PATH="$HOME/.cargo/bin:$PATH"
# Incremental caches only help a second build in the same tree; CI builds once.
[ -n "${CI:-}" ] && export CARGO_INCREMENTAL=0
log=$(mktemp)
# The structure first: no import circle, no file over 600 lines, no function over 120.
python3 scripts/check-structure.py || exit 1
# The engine's façade is a wall: the front ends build without the `testing` feature that opens
# its inside (the tests' dev-dependency turns it on for test builds only).
cargo check --workspace --locked --lib --bins 2>&1 | tail -1
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "tests: a front end reaches inside the engine (see above)" >&2; exit 1; }
# The engine without PKCS#11 (no cryptoki): a verifier or a file-key signer needs no token library.
cargo check -p docseal --locked --no-default-features 2>&1 | tail -1
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "tests: the engine does not build without its pkcs11 feature" >&2; exit 1; }
# Build every test binary first, so that a build failure (a full disk, say) is reported as such
# instead of as seventeen browser tests that cannot find the server.
if ! cargo test --workspace --locked --no-run 2>&1 | tee "$log"; then
    echo "tests: the build failed (see above); nothing was run" >&2
    df -h . >&2
    rm -f "$log"
    exit 1
fi
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The task pane in headless Chromium, against the docseal-server the cargo tests just built.
(cd tests/e2e && DOCSEAL_SERVER="$PWD/../../target/debug/docseal-server" node --test 2>&1) | tee -a "$log"
e2e=${PIPESTATUS[0]}
[ "$e2e" -eq 0 ] || status=$e2e
# One closing line for the whole run (cargo prints one per test binary, node its own totals).
awk '/^test result:/ { p += $4; f += $6; s += $8 } /^# pass / { p += $3 } /^# fail / { f += $3 } /^# skipped / { s += $3 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
