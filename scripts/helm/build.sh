#!/usr/bin/env bash
# Builds the helm CLI from Go modules into a cache keyed by version (skipped when already
# there at that version). See scripts/helm/README.md for the version choice and build times.
#
#   scripts/helm/build.sh                 # prints the bin directory on its last line
#   HELM=$(scripts/helm/build.sh | tail -n 1)/helm
#
# Low priority on purpose (nice 19, GOFLAGS=-p=1): the machine has 2 cores shared with the
# other builds and test runs (HELM_BUILD_JOBS=2 on an otherwise idle machine).

# ---- version (exact; the Go module proxy serves it) ---------------------------------
HELM_VERSION=v4.3.2   # helm.sh/helm/v4, newest release (2026-11-13); Helm 3 is security-fixes-only
# -------------------------------------------------------------------------------------

set -euo pipefail

CACHE_ROOT=${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}
HELM_DIR=$CACHE_ROOT/helm-$HELM_VERSION
BIN=$HELM_DIR/bin
TIMES=$HELM_DIR/build-times.txt
GO_BUILD_LABEL=helm/build
GO_BUILD_JOBS=${HELM_BUILD_JOBS:-1}
# shellcheck source=../lib/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-build.sh"

# helm's go.mod has no replace directives, so `go install ...@v4.3.2` would do, but it cannot
# write to build_one's output path (no -o); a wrapper module that requires it can, as for kube.
# The ldflags are the ones helm's Makefile sets for a tagged release.
build_helm() {
  local v=$1 out=$2 p=helm.sh/helm/v4/internal/version
  "${GO[@]}" mod init helmbuild/helm
  "${GO[@]}" get "helm.sh/helm/v4/cmd/helm@$v"
  "${GO[@]}" build -mod=mod -o "$out" \
    -ldflags "-s -w -X $p.version=$v -X $p.metadata= -X $p.gitTreeState=clean" \
    helm.sh/helm/v4/cmd/helm
  "$out" version --short
}

build_one helm "$HELM_VERSION" build_helm
rc=0
go_build_status || rc=1
echo "$BIN"
exit $rc
