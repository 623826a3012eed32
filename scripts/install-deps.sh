#!/usr/bin/env bash
# Installs the Debian packages docseal's build and tests need, when they are missing.
# Safe to run again: it installs nothing that is already there.
set -euo pipefail
PKGS=(
  pkg-config libxml2-dev libclang-dev   # the libxml crate's bindings (bindgen) and libxml2 itself
  g++                                   # libstdc++.a: the docseal command links libxml2 and ICU statically
  postgresql                            # the seal center's tests run on a real PostgreSQL server too
  libxml2-utils                         # xmllint, for manifest schema checks
  openssl                               # test PKI
  fonts-noto-cjk fonts-crosextra-carlito poppler-utils   # seal pictures (CJK names), Calibri metrics, PDF checks
  softhsm2 opensc                       # a real PKCS#11 token for tests (softhsm2-util, pkcs11-tool)
  curl                                  # the server tests talk HTTPS to docseal-server
  time                                  # /usr/bin/time -v: hostile inputs' time and memory
  chromium                              # the task pane's browser tests (playwright-core drives it)
  libreoffice-writer libreoffice-calc python3-uno libnss3-tools   # the LibreOffice oracle
  # Apache POI's verdict beside LibreOffice's (../shared/oracle/poi/poi-verify, when present)
  openjdk-17-jdk-headless libapache-poi-java libxml-security-java libbcprov-java libbcpkix-java
  libxmlbeans-java libslf4j-java
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -q >/dev/null
  # The tests start their own PostgreSQL in a temporary directory; the package's default
  # cluster (a server left running on port 5432) is not wanted.
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    $SUDO mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing: nodejs npm" >&2
  DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q --no-install-recommends nodejs npm >/dev/null
fi
# playwright-core for the browser tests (no browser download: Debian's chromium is used).
if [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d tests/e2e/node_modules/axe-core ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --silent)
fi
# office.js from its npm package, so docseal-server can serve it with no internet.
if [ ! -f taskpane/node_modules/@microsoft/office-js/dist/office.js ]; then
  (cd taskpane && npm ci --no-audit --no-fund --silent)
fi
command -v cargo >/dev/null 2>&1 || { echo "docseal needs a Rust toolchain (cargo 1.85 or newer): see https://rustup.rs" >&2; exit 2; }
