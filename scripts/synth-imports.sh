#!/usr/bin/env bash
# Regenerates constructs/imports/ (typed cdk8s classes) from the operator CRDs committed in
# constructs/crds/ (copied from ../shared/crds; versions in constructs/crds/README.md).
# Offline: `cdk8s import <file>` reads the local YAML. One file per operator, so that CRDs of
# the same API group land in one module.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat_crds() { for f in "$@"; do cat "$f"; echo '---'; done; }
cat_crds constructs/crds/cloudnative-pg-v1.30.0/*.yaml >"$tmp/cnpg.yaml"
cat_crds constructs/crds/strimzi-1.2.0/*.yaml >"$tmp/strimzi.yaml"
cat_crds constructs/crds/envoy-gateway-v1.9.0/*.yaml >"$tmp/envoy-gateway.yaml"
for name in cnpg strimzi envoy-gateway; do
  npx cdk8s import "$name:=$tmp/$name.yaml" --output constructs/imports --language typescript
done
