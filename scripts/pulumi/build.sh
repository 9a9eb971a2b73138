#!/usr/bin/env bash
# Builds the Pulumi CLI, a Node.js language host and the Kubernetes provider from Go modules
# into a cache keyed by version, skipping every binary that is already there at its version.
# See scripts/pulumi/README.md for the versions, how they were obtained and build times.
#
#   scripts/pulumi/build.sh                     # pulumi pulumi-language-nodejs pulumi-resource-kubernetes
#   scripts/pulumi/build.sh pulumi              # only the named ones
#
# Low priority on purpose (nice 19, GOFLAGS=-p=1): the machine has 2 cores shared with test
# runs (PULUMI_BUILD_JOBS=2 on an otherwise idle machine). Prints the bin directory last.

# ---- versions (exact; the Go module proxy serves all of them) ----------------------
PULUMI_VERSION=v3.248.0   # github.com/pulumi/pulumi/pkg/v3 and sdk/v3 (= @pulumi/pulumi in package.json)
# github.com/pulumi/pulumi-kubernetes/provider/v4: the proxy serves only this commit (2026-01-15,
# built against pkg v3.215.0); no tagged release, so not the 4.34.2 of @pulumi/kubernetes.
K8S_PROVIDER_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# Our own language host (scripts/pulumi/language-nodejs): its version is its source's hash.
# -------------------------------------------------------------------------------------

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}
PULUMI_DIR=$CACHE_ROOT/pulumi-$PULUMI_VERSION
BIN=$PULUMI_DIR/bin
TIMES=$PULUMI_DIR/build-times.txt
mkdir -p "$BIN"

export PATH=/usr/local/go/bin:$PATH
export GOFLAGS="-p=${PULUMI_BUILD_JOBS:-1} -buildvcs=false -trimpath"
export CGO_ENABLED=0
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
GO=(nice -n 19 go)

log() { printf '[pulumi/build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# A binary counts as built when it and its version stamp (<name>.version) are there.
have() { [[ -x $BIN/$1 && -f $BIN/$1.version && $(cat "$BIN/$1.version") == "$2" ]]; }

# build_one NAME VERSION FUNCTION: runs FUNCTION in a fresh temp dir, times it (wall clock)
# and stamps the result; on failure the dir and its build.log are kept.
build_one() {
  local name=$1 version=$2 fn=$3
  if have "$name" "$version"; then
    log "$name $version: cached"
    return 0
  fi
  local work start end size st
  work=$(mktemp -d "${TMPDIR:-/tmp}/pulumi-build-$name.XXXXXX")
  log "$name $version: building in $work"
  start=$(date +%s)
  set +e
  (set -e; cd "$work"; "$fn" "$version" "$BIN/$name.tmp") >"$work/build.log" 2>&1
  st=$?
  set -e
  if [[ $st -ne 0 ]]; then
    log "$name $version: FAILED, last lines of $work/build.log:"
    tail -n 30 "$work/build.log" >&2
    rm -f "$BIN/$name.tmp"
    return 1
  fi
  end=$(date +%s)
  mv -f "$BIN/$name.tmp" "$BIN/$name"
  echo "$version" >"$BIN/$name.version"
  size=$(stat -c %s "$BIN/$name")
  printf '%s %s %ss %s bytes %s jobs=%s\n' "$name" "$version" "$((end - start))" "$size" \
    "$(date -u +%FT%TZ)" "${PULUMI_BUILD_JOBS:-1}" >>"$TIMES"
  log "$name $version: built in $((end - start))s, $((size / 1024 / 1024)) MiB"
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}

# The CLI: a wrapper module requiring pkg/v3 and sdk/v3; pkg's own go.mod points
# github.com/atotto/clipboard at a fork (replaces do not carry over), so copy that replace.
build_pulumi() {
  local v=$1 out=$2
  "${GO[@]}" mod init pulumibuild/cli
  "${GO[@]}" mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
  "${GO[@]}" mod edit -require "github.com/pulumi/pulumi/pkg/v3@$v" -require "github.com/pulumi/pulumi/sdk/v3@$v"
  "${GO[@]}" get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$v"
  "${GO[@]}" build -mod=mod -o "$out" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

# Node.js language host: github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 is
# refused by the module proxy (403 "This module version is not available"), so this is our
# own small host (language-nodejs/main.go) on sdk/v3's gRPC interface.
lang_version() { echo "$PULUMI_VERSION-dh.$(sha256sum "$HERE/language-nodejs/main.go" | cut -c1-12)"; }
build_language_nodejs() {
  local v=$1 out=$2
  cp "$HERE/language-nodejs/main.go" .
  "${GO[@]}" mod init pulumibuild/language-nodejs
  "${GO[@]}" mod edit -require "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
  "${GO[@]}" mod tidy
  "${GO[@]}" build -mod=mod -o "$out" -ldflags "-s -w -X main.version=${v#v}" .
}

# Kubernetes provider: its go.mod replaces sdk/v4 with ../sdk (a sibling directory that is not
# in the module zip), so copy the module out of the cache, drop that replace, run its generate
# step (it writes schema-embed.json, which main.go embeds) and build it in place.
build_kubernetes() {
  local v=$1 out=$2 dir
  dir=$("${GO[@]}" mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$v" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || { echo "no module dir for pulumi-kubernetes/provider/v4@$v" >&2; return 1; }
  cp -r "$dir" src && chmod -R u+w src && cd src
  # Its go.mod's sdk/v4 requirement (v4.24.0) is served; pkg/v3 and sdk/v3 stay as it pins them.
  "${GO[@]}" mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4
  (cd cmd/pulumi-resource-kubernetes && VERSION="${v#v}" "${GO[@]}" run -mod=mod ./generate.go)
  "${GO[@]}" build -mod=mod -o "$out" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${v#v}" \
    ./cmd/pulumi-resource-kubernetes
}

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes)

rc=0
for t in "${targets[@]}"; do
  case $t in
    pulumi) build_one pulumi "$PULUMI_VERSION" build_pulumi || rc=1 ;;
    pulumi-language-nodejs) build_one pulumi-language-nodejs "$(lang_version)" build_language_nodejs || rc=1 ;;
    pulumi-resource-kubernetes) build_one pulumi-resource-kubernetes "$K8S_PROVIDER_VERSION" build_kubernetes || rc=1 ;;
    *) log "unknown target $t"; rc=2 ;;
  esac
done
echo "$BIN"
exit $rc
