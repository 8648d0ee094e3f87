#!/usr/bin/env bash
# Installs what the project needs and is missing; each step is skipped when the tool is
# already there at the right version.
#   scripts/setup.sh serve   wasm32 target, trunk, wasm-bindgen-cli, wasm-opt (npm binaryen)
#   scripts/setup.sh test    all of the above, plus Debian's chromium and chromium-driver and
#                            the npm packages of the end-to-end tests
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
here="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$here/node_modules/.bin:$PATH"

say() { printf '[setup] %s\n' "$*"; }

need_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "wasm32-unknown-unknown target: present"
  else
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

need_trunk() {
  if trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION\$"; then
    say "trunk $TRUNK_VERSION: present"
  else
    say "building trunk $TRUNK_VERSION (several minutes)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

need_wasm_bindgen() {
  if wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
    say "wasm-bindgen-cli $WASM_BINDGEN_VERSION: present"
  else
    say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
    # Not --locked: one of its locked dependency versions is no longer in the registry.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

need_npm_packages() {
  # binaryen's wasm-opt (Debian's is too old and breaks the page) and the e2e test tools,
  # at the versions of package-lock.json.
  if [ -x "$here/node_modules/.bin/wasm-opt" ] && [ -d "$here/node_modules/playwright-core" ] \
     && [ -d "$here/node_modules/axe-core" ]; then
    say "npm packages: present"
  else
    say "installing npm packages (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund)
  fi
}

need_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium and chromedriver: present"
  else
    say "installing Debian's chromium and chromium-driver"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium chromium-driver
  fi
}

case "${1:-serve}" in
  serve)
    need_wasm_target; need_wasm_bindgen; need_npm_packages; need_trunk ;;
  test)
    need_wasm_target; need_wasm_bindgen; need_npm_packages; need_chromium; need_trunk ;;
  *)
    echo "usage: $0 [serve|test]" >&2; exit 2 ;;
esac
