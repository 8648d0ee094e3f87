#!/usr/bin/env bash
# Installs what the project needs and is missing; each step is skipped when the tool is
# already there at the right version.
#   scripts/setup.sh serve   wasm32 target, node/npm if absent, the npm packages (wasm-opt from
#                            binaryen, KaTeX), wasm-bindgen-cli, trunk, the project's crates
#   scripts/setup.sh test    all of the above, plus Debian's chromium and chromium-driver and
#                            the npm packages of the end-to-end tests
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
here="$(cd "$(dirname "$0")/.." && pwd)"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$here/node_modules/.bin:$PATH"

say() { printf '[setup] %s\n' "$*"; }

# Runs apt-get as root, or through sudo.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@"
}

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

need_node() {
  if command -v node >/dev/null && command -v npm >/dev/null; then
    say "node $(node --version) and npm: present"
  else
    say "installing Debian's nodejs and npm"
    apt_install nodejs npm
  fi
}

need_npm_packages() {
  # binaryen's wasm-opt (Debian's is too old and breaks the page), KaTeX for the build-time
  # math, and the e2e test tools, at the versions of package-lock.json.
  if [ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
    say "npm packages: present"
  else
    say "installing npm packages (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund)
  fi
}

need_crates() {
  # Trunk builds with `cargo build --offline` (the --offline of `trunk serve`), so the crates
  # must be in Cargo's cache first; a no-op when they are.
  say "the crates of Cargo.lock (cargo fetch)"
  cargo fetch --manifest-path "$here/Cargo.toml" --quiet
}

need_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium and chromedriver: present"
  else
    say "installing Debian's chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
}

case "${1:-serve}" in
  serve)
    need_wasm_target; need_node; need_npm_packages; need_wasm_bindgen; need_trunk; need_crates ;;
  test)
    need_wasm_target; need_node; need_npm_packages; need_chromium; need_wasm_bindgen; need_trunk; need_crates ;;
  *)
    echo "usage: $0 [serve|test]" >&2; exit 2 ;;
esac
