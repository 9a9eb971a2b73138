# A Kubernetes control plane for the integration tests, on loopback: etcd, kube-apiserver
# (RBAC; NamespaceLifecycle, LimitRanger, ServiceAccount and ResourceQuota admission),
# kube-controller-manager, kube-scheduler and kwok with one fake node (kwok-node-0), so
# Pods are scheduled and reach Running. Sourced by scripts/services, which calls kube_up /
# kube_down / kube_status; the work is done by scripts/kube/kube.sh (see scripts/kube/README.md).
#
# kube_up builds the six binaries from Go modules when they are not cached at their version
# (${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}/kube-v1.36.3/bin; 15-21 min cold at one
# job, KUBE_BUILD_JOBS=2 on an idle machine), starts whatever is not running (a running
# cluster is reused as is) and prints eval-able lines on stdout:
#   KUBECONFIG                       admin (system:masters), token auth, TLS verified
#   DEBUG_HOST_KUBE_TESTER_KUBECONFIG  `tester`: authenticated, no grants (for 403 checks)
# Ports: etcd 56379/56380, kube-apiserver 56443, kwok's log server 56447 (overridable, see
# kube.sh). State in ${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}/kube;
# `down` stops every component and keeps the state (etcd data, keys, tokens), so the next
# `up` starts in a few seconds with the same objects and tokens.

source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../kube" && pwd)/kube.sh"

# build.sh checks each binary's version stamp and returns at once when all six are cached,
# so calling it every time also rebuilds a binary whose version was bumped.
kube__build() {
  if ! command -v go >/dev/null; then
    kube__log "no Go toolchain: scripts/kube/build.sh needs Go >= 1.26 (the binaries are built from Go modules)"
    return 1
  fi
  KUBE_BUILD_ALL=1 "$kube__here/build.sh" >/dev/null
}

kube_up() {
  kube__build || return 1
  kube__up --all || return 1
  printf 'export DEBUG_HOST_KUBE_TESTER_KUBECONFIG=%s\n' "$(kube__dir)/tester.kubeconfig"
}
