# The project's entry points. `make serve` and `make test` first install whatever is missing
# (scripts/setup.sh), so both work on a fresh machine.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CURDIR)/node_modules/.bin:$(CARGO_BIN):$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
CHROMEDRIVER ?= /usr/bin/chromedriver
# The site's path on its web server, for `make site` (e.g. /courses/ml/sgd-stability/).
PUBLIC_URL ?= /

.PHONY: serve serve-debug test lint test-native test-wasm test-e2e site package bench figures fuzz soak

## Install what is missing, then serve the explorable on http://127.0.0.1:8080 (offline), in the
## optimized build that Trunk.toml makes the default.
serve:
	scripts/setup.sh serve
	trunk serve --offline

## The same with a debug build of the wasm (quicker to rebuild, ten times slower to run).
serve-debug:
	scripts/setup.sh serve
	trunk serve --offline --release false

## Install what is missing, then run every test: lints, native, wasm in Chromium, end to end.
test:
	scripts/setup.sh test
	$(MAKE) --no-print-directory lint test-native test-wasm test-e2e

# The code documentation, private items included (it is written for the project's own
# readers), must build without a warning on both platforms: links that resolve, formulas that
# are not taken for links. Links from public to private items are fine, since both are shown.
DOC_FLAGS := -D warnings -A rustdoc::private_intra_doc_links

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --workspace --target wasm32-unknown-unknown --all-targets -- -D warnings
	RUSTDOCFLAGS="$(DOC_FLAGS)" cargo doc --workspace --no-deps --document-private-items
	RUSTDOCFLAGS="$(DOC_FLAGS)" cargo doc --workspace --no-deps --document-private-items --target wasm32-unknown-unknown

test-native:
	cargo test --workspace

test-wasm:
	CHROMEDRIVER=$(CHROMEDRIVER) cargo test --target wasm32-unknown-unknown --test web

# The e2e tests also embed figures from a build for a sub-path (tests/e2e/embed.test.mjs). The
# site is built as `trunk serve` builds it, with no flag, so that tests/e2e/build.test.mjs checks
# that the default is the optimized build.
test-e2e:
	trunk build --offline
	trunk build --offline --public-url /course/sgd/ --dist target/site-subpath
	trunk build --offline --public-url ./ --dist target/site-package
	SUBPATH_SITE_DIR=target/site-subpath PACKAGE_SITE_DIR=target/site-package node --test tests/e2e/

## The static site in dist/, for serving under PUBLIC_URL.
site:
	scripts/setup.sh serve
	trunk build --offline --public-url $(PUBLIC_URL)

## A package for learning platforms (IMS Content Package with SCORM 1.2 metadata), which a
## platform imports and serves itself: target/package/sgd-stability.zip launches the whole page;
## with FIGURE=<id>, target/package/sgd-stability-<id>.zip launches that figure alone.
package:
	python3 scripts/package.py --check-figure "$(FIGURE)" --page www/index.html
	scripts/setup.sh serve
	trunk build --offline --public-url ./ --dist target/site-package
	python3 scripts/package.py --site target/site-package --out target/package/sgd-stability$(if $(FIGURE),-$(FIGURE)).zip $(if $(FIGURE),--figure $(FIGURE))

## EOS-1 natively and as wasm in headless Chromium (release builds), the page's sweep and its
## longest main-thread task; prints a table and writes target/bench/eos1.json.
bench:
	scripts/setup.sh test
	cargo run --release --quiet -- bench --out target/bench/eos1-native.json
	trunk build --release --offline
	node tools/bench.mjs target/bench/eos1-native.json

## Fuzz the link and run-file parsers with FUZZ_CASES (default 1,000,000) mutated inputs each.
fuzz:
	FUZZ_CASES=$(or $(FUZZ_CASES),1000000) cargo test --test page fuzz_parsers -- --nocapture

## Animate a training figure for SOAK_SECONDS (default 600); fail if wasm or JS memory grows.
soak:
	scripts/setup.sh test
	trunk build --release --offline
	SOAK_SECONDS=$(or $(SOAK_SECONDS),600) node tools/soak.mjs

## Every figure's CSV, PNG and SVG at its defaults, into target/figures/.
figures:
	for id in $$(cargo run --release --quiet -- list | grep -v '^ ' | cut -d' ' -f1); do \
	  cargo run --release --quiet -- "$$id" --out target/figures; done
