#!/usr/bin/env bash
# Starts etcd (127.0.0.1:56379) and kube-apiserver (https://127.0.0.1:56443) from the
# binaries scripts/kube/build.sh caches, waits for /readyz and prints
# `export KUBECONFIG=<path>` (admin token, system:masters). Progress goes to stderr.
# With --all (or DEBUG_HOST_KUBE_ALL=1) also kube-controller-manager, kube-scheduler and kwok
# with a fake node kwok-node-0 (build them with KUBE_BUILD_ALL=1 scripts/kube/build.sh).
#   eval "$(scripts/kube/up.sh)"
#   eval "$(scripts/kube/up.sh --all)"
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kube.sh"
kube_up "$@"
