#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kwok (optionally kube-controller-manager, kube-scheduler,
# kubectl) from Go modules into a cache keyed by version, skipping every binary that is
# already there at its version.
# See scripts/kube/README.md for the versions, how they were obtained and build times.
#
#   scripts/kube/build.sh                 # etcd kube-apiserver kwok
#   scripts/kube/build.sh kubectl         # only the named ones
#   KUBE_BUILD_ALL=1 scripts/kube/build.sh   # also kube-controller-manager, kube-scheduler, kubectl
#
# Low priority on purpose (nice 19, GOFLAGS=-p=1): the machine has 2 cores shared with
# test runs (KUBE_BUILD_JOBS=2 for an otherwise idle machine, e.g. CI). Prints the bin
# directory on its last line.

# ---- versions (exact; the Go module proxy serves all of them) ----------------------
ETCD_VERSION=v3.6.16            # go.etcd.io/etcd/server/v3 (newest 3.6.x)
KUBE_VERSION=v1.36.3            # k8s.io/kubernetes (go 1.26.0 in its go.mod)
KUBE_STAGING_VERSION=v0.36.3    # the staging k8s.io/* modules matching KUBE_VERSION
KWOK_VERSION=v0.8.0             # sigs.k8s.io/kwok (newest tag)
# -------------------------------------------------------------------------------------

set -euo pipefail

CACHE_ROOT=${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}
KUBE_DIR=$CACHE_ROOT/kube-$KUBE_VERSION
BIN=$KUBE_DIR/bin
TIMES=$KUBE_DIR/build-times.txt
GO_BUILD_LABEL=kube/build
GO_BUILD_JOBS=${KUBE_BUILD_JOBS:-1}
# shellcheck source=../lib/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-build.sh"

# etcd: server/v3's own go.mod has replace directives, so `go install pkg@version`
# refuses it; a wrapper module that requires it builds it.
build_etcd() {
  local v=$1 out=$2
  "${GO[@]}" mod init kubebuild/etcd
  "${GO[@]}" get "go.etcd.io/etcd/server/v3@$v"
  "${GO[@]}" build -mod=mod -ldflags "-s -w" -o "$out" go.etcd.io/etcd/server/v3
}

# k8s.io/kubernetes requires its staging modules at v0.0.0 (replaced by ./staging in
# its own repo). The wrapper replaces each with the published v0.x.y.
kube_wrapper() {
  local v=$1 gomod
  "${GO[@]}" mod init kubebuild/kube
  gomod=$("${GO[@]}" mod download -json "k8s.io/kubernetes@$v" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [[ -f $gomod ]] || { echo "no go.mod for k8s.io/kubernetes@$v" >&2; return 1; }
  local mods
  mods=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$gomod")
  [[ -n $mods ]] || { echo "no staging replaces found in $gomod" >&2; return 1; }
  local m
  for m in $mods; do
    "${GO[@]}" mod edit -replace "$m=$m@$KUBE_STAGING_VERSION"
  done
  "${GO[@]}" mod edit -require "k8s.io/kubernetes@$v"
}

kube_ldflags() {
  local v=$1 minor
  minor=$(echo "$v" | cut -d. -f2)
  local p=k8s.io/component-base/version
  echo "-s -w -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
}

build_kube_cmd() {
  local cmd=$1 v=$2 out=$3
  kube_wrapper "$v"
  "${GO[@]}" get "k8s.io/kubernetes/cmd/$cmd@$v"
  "${GO[@]}" build -mod=mod -ldflags "$(kube_ldflags "$v")" -o "$out" "k8s.io/kubernetes/cmd/$cmd"
}
build_kube_apiserver() { build_kube_cmd kube-apiserver "$@"; }
build_kube_controller_manager() { build_kube_cmd kube-controller-manager "$@"; }
build_kube_scheduler() { build_kube_cmd kube-scheduler "$@"; }
build_kubectl() { build_kube_cmd kubectl "$@"; }

# kwok: its go.mod has no replace directives.
build_kwok() {
  local v=$1 out=$2
  "${GO[@]}" mod init kubebuild/kwok
  "${GO[@]}" get "sigs.k8s.io/kwok/cmd/kwok@$v"
  "${GO[@]}" build -mod=mod -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${v#v}" \
    -o "$out" sigs.k8s.io/kwok/cmd/kwok
}

# kwok needs Stage objects (it exits with "no stages found" without them). The module ships
# them under kustomize/stage/; the fast node and pod stages go into one file in the cache.
kwok_stages() {
  local v=$1 out=$KUBE_DIR/kwok-$1-stages.yaml dir f
  [[ -s $out ]] && return 0
  dir=$("${GO[@]}" mod download -json "sigs.k8s.io/kwok@$v" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir/kustomize/stage ]] || { log "no kustomize/stage in sigs.k8s.io/kwok@$v"; return 1; }
  : >"$out.tmp"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    printf -- '---\n' >>"$out.tmp"
    cat "$dir/kustomize/stage/$f" >>"$out.tmp"
  done
  mv -f "$out.tmp" "$out"
  log "kwok stages: $out"
}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(etcd kube-apiserver kwok)
  # all: also what a full local cluster (scripts/kube/up.sh --all) and a person need
  [[ ${KUBE_BUILD_ALL:-} == 1 ]] && targets+=(kube-controller-manager kube-scheduler kubectl)
fi

rc=0
for t in "${targets[@]}"; do
  case $t in
    etcd) build_one etcd "$ETCD_VERSION" build_etcd ;;
    kube-apiserver) build_one kube-apiserver "$KUBE_VERSION" build_kube_apiserver ;;
    kube-controller-manager) build_one kube-controller-manager "$KUBE_VERSION" build_kube_controller_manager ;;
    kube-scheduler) build_one kube-scheduler "$KUBE_VERSION" build_kube_scheduler ;;
    kubectl) build_one kubectl "$KUBE_VERSION" build_kubectl ;;
    kwok)
      build_one kwok "$KWOK_VERSION" build_kwok
      if have kwok "$KWOK_VERSION"; then kwok_stages "$KWOK_VERSION"; fi ;;
    *) log "unknown target $t"; rc=2 ;;
  esac
done
go_build_status || rc=1
echo "$BIN"
exit $rc
