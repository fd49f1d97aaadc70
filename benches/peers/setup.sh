#!/usr/bin/env bash
# Installs the two peer validators the `validate` bench compares against, from their registries:
#   npm  fhir@4.12.0           (FHIR.js)        -> target/peers/node
#   PyPI fhir.resources==8.3.0 (STU3 models)    -> target/peers/py (a virtualenv)
# and pre-parses the STU3 core definitions for FHIR.js (target/peers/node/stu3-parsed.json).
#
# Idempotent: a peer already installed at the pinned version is left alone. Run from anywhere:
#   benches/peers/setup.sh
# Needs node/npm and python3 (with venv) on PATH, and access to registry.npmjs.org and pypi.org (or the
# mirrors configured for npm and pip).
set -euo pipefail

FHIRJS_VERSION=4.12.0
FHIR_RESOURCES_VERSION=8.3.0

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
peers="$target/peers"
fhir_dir="${GPC_BENCH_STU3_CORE:-$root/../shared/fhir/hl7-fhir-stu3-core-3.0.1}"

die() {
    echo "peers/setup.sh: $*" >&2
    exit 1
}

command -v node >/dev/null || die "node is not on PATH (FHIR.js needs Node.js 18 or later)"
command -v npm >/dev/null || die "npm is not on PATH"
command -v python3 >/dev/null || die "python3 is not on PATH"
[ -f "$fhir_dir/package.json" ] ||
    die "the STU3 core definitions are not at $fhir_dir (set GPC_BENCH_STU3_CORE to the unpacked hl7.fhir.core 3.0.1 package)"

mkdir -p "$peers/node"

# --- FHIR.js ------------------------------------------------------------------------------------------------
installed_js="$(node -p "try { require('$peers/node/node_modules/fhir/package.json').version } catch (e) { '' }" 2>/dev/null || true)"
if [ "$installed_js" = "$FHIRJS_VERSION" ]; then
    echo "FHIR.js $FHIRJS_VERSION already installed in $peers/node"
else
    echo "installing npm fhir@$FHIRJS_VERSION into $peers/node ..."
    if ! npm install --prefix "$peers/node" --no-save --no-audit --no-fund --loglevel=error \
        "fhir@$FHIRJS_VERSION" >"$peers/npm-install.log" 2>&1; then
        cat "$peers/npm-install.log" >&2
        die "npm could not install fhir@$FHIRJS_VERSION: is the npm registry ($(npm config get registry 2>/dev/null)) reachable?"
    fi
fi

# Pre-parse the STU3 definitions once, as an application embedding FHIR.js would ship them.
if [ ! -s "$peers/node/stu3-parsed.json" ] || [ "$here/fhirjs.js" -nt "$peers/node/stu3-parsed.json" ]; then
    echo "pre-parsing the STU3 core definitions for FHIR.js ..."
    FHIRJS_HOME="$peers/node" node "$here/fhirjs.js" --prepare "$fhir_dir" "$peers/node/stu3-parsed.json"
fi

# --- fhir.resources -----------------------------------------------------------------------------------------
if [ ! -x "$peers/py/bin/python" ]; then
    echo "creating the virtualenv $peers/py ..."
    python3 -m venv "$peers/py" || die "python3 -m venv failed (install the python3-venv package?)"
fi
installed_py="$("$peers/py/bin/python" -c 'import importlib.metadata as m; print(m.version("fhir.resources"))' 2>/dev/null || true)"
if [ "$installed_py" = "$FHIR_RESOURCES_VERSION" ]; then
    echo "fhir.resources $FHIR_RESOURCES_VERSION already installed in $peers/py"
else
    echo "installing fhir.resources==$FHIR_RESOURCES_VERSION into $peers/py ..."
    if ! "$peers/py/bin/python" -m pip install --quiet --disable-pip-version-check \
        "fhir.resources==$FHIR_RESOURCES_VERSION" >"$peers/pip-install.log" 2>&1; then
        cat "$peers/pip-install.log" >&2
        die "pip could not install fhir.resources==$FHIR_RESOURCES_VERSION: is PyPI (or the configured index) reachable?"
    fi
fi

echo "peers ready in $peers (FHIR.js $FHIRJS_VERSION, fhir.resources $FHIR_RESOURCES_VERSION)"
