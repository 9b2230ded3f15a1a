# Shared steps of scripts/dev and scripts/test. Source it; do not run it.
#
# Every `ensure_*` installs what is missing and does nothing (quickly) when it
# is already there, so a second run costs only the builds themselves.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Respect a caller's CARGO_TARGET_DIR; cargo resolves a relative one from here.
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
WASM_TARGET=wasm32-unknown-unknown
SAMPLE=www/sample/sample-orders.csv

# Prints a stage banner, so CI logs show where a failure happened.
stage() {
    printf '\n==> %s\n' "$*"
}

# Runs a command as root, through sudo when we are not root already.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_rust_tools() {
    if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
        rustup target add "$WASM_TARGET"
    fi
    local component
    for component in rustfmt clippy; do
        if ! rustup component list --installed | grep -q "^$component"; then
            rustup component add "$component"
        fi
    done
}

# The wasm-bindgen version in Cargo.lock; the CLI must match it exactly.
wasm_bindgen_version() {
    awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

# Installs wasm-bindgen-cli into its own versioned prefix under ~/.cache/ltvlab
# (once per version) and puts it first on PATH.
ensure_wasm_bindgen() {
    local version prefix
    version=$(wasm_bindgen_version)
    if [ -z "$version" ]; then
        echo "error: no wasm-bindgen in Cargo.lock" >&2
        return 1
    fi
    prefix=$HOME/.cache/ltvlab/wasm-bindgen-$version
    if ! "$prefix/bin/wasm-bindgen" --version 2>/dev/null | grep -qx "wasm-bindgen $version"; then
        echo "installing wasm-bindgen-cli $version into $prefix"
        cargo install wasm-bindgen-cli --version "$version" --locked --root "$prefix"
    fi
    export PATH="$prefix/bin:$PATH"
}

# Installs the npm packages from package-lock.json when node_modules is missing
# or older than the lock file.
ensure_npm_packages() {
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        npm ci --no-audit --no-fund
    fi
}

# Installs Debian's chromium when there is none; tests drive it with playwright-core.
ensure_chromium() {
    CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
    if [ ! -x "$CHROMIUM" ]; then
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
    fi
    # A Japanese font, so that the browser tests' screenshots of the Japanese
    # page show Japanese rather than empty boxes (IPA Gothic: small, in Debian).
    if ! fc-list :lang=ja 2>/dev/null | grep -q .; then
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-ipafont-gothic
    fi
    export CHROMIUM
}

# Builds the library for the browser and writes the JS glue to www/pkg.
build_wasm() {
    ensure_wasm_bindgen
    cargo build --lib --release --target "$WASM_TARGET"
    wasm-bindgen --target web --out-dir www/pkg --typescript \
        "$TARGET_DIR/$WASM_TARGET/release/ltvlab.wasm"
    ls -l www/pkg/ltvlab_bg.wasm
}

# Generates the page's sample data with the CLI, once. Written through a
# temporary file so that a failed run leaves no half-written sample behind.
ensure_sample() {
    if [ ! -s "$SAMPLE" ]; then
        cargo run --release -- generate --lines 20000 --seed 7 --japanese >"$SAMPLE.tmp"
        if [ ! -s "$SAMPLE.tmp" ]; then
            echo "error: ltvlab generate wrote nothing" >&2
            return 1
        fi
        mv "$SAMPLE.tmp" "$SAMPLE"
    fi
    ls -l "$SAMPLE"
}

# Builds the embeddable calculator's small wasm (only `simulateFormula`, no
# `app` feature) with its own cargo profile, so it never overwrites the app's
# release/ltvlab.wasm, and writes its JS glue and declarations (for
# check_www_types) to www/widget/pkg.
build_widget() {
    ensure_wasm_bindgen
    cargo build --lib --profile widget --target "$WASM_TARGET" --no-default-features
    wasm-bindgen --target web --out-dir www/widget/pkg --typescript \
        "$TARGET_DIR/$WASM_TARGET/widget/ltvlab.wasm"
    ls -l www/widget/pkg/ltvlab_bg.wasm
}

# Type-checks the web app's JavaScript (every www module has `// @ts-check`
# and JSDoc types) with the TypeScript pinned in package.json, against the
# core's declarations that build_wasm and build_widget write: the page's
# modules (tsconfig.json), the analysis and service workers in their own
# global scope (tsconfig.worker.json), and the embeddable calculator against
# its own small wasm (tsconfig.widget.json). Emits nothing.
check_www_types() {
    local declarations
    for declarations in www/pkg/ltvlab.d.ts www/widget/pkg/ltvlab.d.ts; do
        if [ ! -f "$declarations" ]; then
            echo "error: $declarations is missing: run build_wasm and build_widget first" >&2
            return 1
        fi
    done
    node_modules/.bin/tsc -p tsconfig.json
    node_modules/.bin/tsc -p tsconfig.worker.json
    node_modules/.bin/tsc -p tsconfig.widget.json
    echo "www types: tsc found no errors"
}
