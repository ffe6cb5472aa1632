#!/usr/bin/env bash
# Generates clients from the committed OpenAPI document and checks that they build:
#   - TypeScript: openapi-typescript (npm) writes the types; a hand-written scenario
#     (tests/clients/scenario.ts) that uses them is type-checked with `tsc --noEmit --strict`;
#   - Python: openapi-python-client (PyPI) writes a package that tests/api/generated_client.rs
#     drives against the running service.
# Tools are pinned and installed once into caches under the target directory (npm into
# $TARGET/node-clients, pip into the test venv $TARGET/pyenv, always through its own python so
# that a venv copied from another directory still installs into itself); later runs need no network.
# Output: $TARGET/clients/ts/dutydesk.d.ts and $TARGET/clients/python/dutydesk_client/.
# A missing node or npm is an error, never a skip.
set -euo pipefail

OPENAPI_TYPESCRIPT=7.13.0
TYPESCRIPT=5.9.3
OPENAPI_PYTHON_CLIENT=0.29.1

cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
spec="$PWD/openapi/openapi.json"
node_dir="$target/node-clients"
pyenv="$target/pyenv"
out="$target/clients"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "clients.sh: installing nodejs and npm with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null; }
  fi
fi
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "clients.sh: $tool is not installed (Node 18 or later and npm are required; as root, apt-get installs them)" >&2; exit 1; }
done

# --- TypeScript ---------------------------------------------------------------------------
installed() { node -p "require('$node_dir/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(installed openapi-typescript)" != "$OPENAPI_TYPESCRIPT" ] || [ "$(installed typescript)" != "$TYPESCRIPT" ]; then
  mkdir -p "$node_dir"
  # --unsafe-perm: npm run as root otherwise drops privileges for install scripts.
  npm install --prefix "$node_dir" --no-audit --no-fund --no-save --loglevel=error --unsafe-perm \
    "openapi-typescript@$OPENAPI_TYPESCRIPT" "typescript@$TYPESCRIPT"
fi
mkdir -p "$out/ts"
echo "== openapi-typescript $OPENAPI_TYPESCRIPT openapi/openapi.json"
"$node_dir/node_modules/.bin/openapi-typescript" "$spec" -o "$out/ts/dutydesk.d.ts" --silent
cp tests/clients/scenario.ts "$out/ts/scenario.ts"
echo "== tsc $TYPESCRIPT --noEmit --strict tests/clients/scenario.ts"
"$node_dir/node_modules/.bin/tsc" --noEmit --strict --target es2022 --module nodenext \
  --moduleResolution nodenext --lib es2022,dom --skipLibCheck false "$out/ts/scenario.ts"

# --- Python -------------------------------------------------------------------------------
if [ ! -x "$pyenv/bin/python" ]; then python3 -m venv "$pyenv"; fi
"$pyenv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("openapi-python-client") != "'"$OPENAPI_PYTHON_CLIENT"'")' 2>/dev/null || \
  "$pyenv/bin/python" -m pip install --quiet --disable-pip-version-check "openapi-python-client==$OPENAPI_PYTHON_CLIENT"
echo "== openapi-python-client $OPENAPI_PYTHON_CLIENT openapi/openapi.json"
mkdir -p "$out"
rm -rf "$out/python.tmp"
# --fail-on-warning: a schema the generator cannot model is an error here, not a silent gap.
(cd "$out" && "$pyenv/bin/python" -m openapi_python_client generate --path "$spec" \
  --config "$OLDPWD/tests/clients/python-config.yaml" --output-path "$out/python.tmp" \
  --meta none --fail-on-warning --overwrite)
rm -rf "$out/python"
mkdir -p "$out/python"
mv "$out/python.tmp" "$out/python/dutydesk_client"
"$pyenv/bin/python" -c "import sys; sys.path.insert(0, '$out/python'); import dutydesk_client.api, dutydesk_client.models"
echo "clients.sh: TypeScript and Python clients generated and checked in $out"
