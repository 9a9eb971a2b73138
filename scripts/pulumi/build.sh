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
# github.com/pulumi/pulumi/pkg/v3 and sdk/v3: PULUMI_VERSION, = @pulumi/pulumi in package.json (version.sh)
# github.com/pulumi/pulumi-kubernetes/provider/v4: the proxy serves only this commit (2026-01-15,
# built against pkg v3.215.0); no tagged release, so not the 4.34.2 of @pulumi/kubernetes.
K8S_PROVIDER_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# Our own language host (scripts/pulumi/language-nodejs): its version is its source's hash.
# -------------------------------------------------------------------------------------

set -euo pipefail
# shellcheck source=version.sh
source "$(dirname "${BASH_SOURCE[0]}")/version.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}
PULUMI_DIR=$CACHE_ROOT/pulumi-$PULUMI_VERSION
BIN=$PULUMI_DIR/bin
TIMES=$PULUMI_DIR/build-times.txt
GO_BUILD_LABEL=pulumi/build
GO_BUILD_JOBS=${PULUMI_BUILD_JOBS:-1}
# shellcheck source=../lib/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-build.sh"

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
    pulumi) build_one pulumi "$PULUMI_VERSION" build_pulumi;;
    pulumi-language-nodejs) build_one pulumi-language-nodejs "$(lang_version)" build_language_nodejs;;
    pulumi-resource-kubernetes) build_one pulumi-resource-kubernetes "$K8S_PROVIDER_VERSION" build_kubernetes;;
    *) log "unknown target $t"; rc=2 ;;
  esac
done
go_build_status || rc=1
echo "$BIN"
exit $rc
