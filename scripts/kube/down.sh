#!/usr/bin/env bash
# Stops the kube-apiserver and etcd that scripts/kube/up.sh started (by their pid files).
#   scripts/kube/down.sh [--clean]     # --clean also removes etcd data, keys and tokens
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kube.sh"
kube_down "$@"
