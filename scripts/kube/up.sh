#!/usr/bin/env bash
# Starts etcd (127.0.0.1:56379) and kube-apiserver (https://127.0.0.1:56443) from the
# binaries scripts/kube/build.sh caches, waits for /readyz and prints
# `export KUBECONFIG=<path>` (admin token, system:masters). Progress goes to stderr.
#   eval "$(scripts/kube/up.sh)"
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kube.sh"
kube_up
