#!/usr/bin/env bash
# Install the npm packages some tests use as the real counterpart (joi: Coral's response
# validator; googleapis: Google's discovery client) into .cache/node, outside git.
# Idempotent; when node/npm or the registry is missing, say so and let those tests skip.
set -uo pipefail
cd "$(dirname "$0")/.."
dest=.cache/node
want=tests/unit/platforms/node/package.json
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: the tests that need joi/googleapis will be skipped" >&2
  exit 0
fi
mkdir -p "$dest"
if [ -f "$dest/package.json" ] && cmp -s "$want" "$dest/package.json" && [ -d "$dest/node_modules/joi" ] \
   && [ -d "$dest/node_modules/googleapis" ]; then
  exit 0
fi
cp "$want" "$dest/package.json"
if npm install --prefix "$dest" --no-audit --no-fund --loglevel=error >/dev/null; then
  echo "node test packages installed in $dest"
else
  echo "npm install failed (registry unreachable?): the tests that need joi/googleapis will be skipped" >&2
  rm -f "$dest/package.json"
fi
exit 0
