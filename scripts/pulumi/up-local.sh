#!/usr/bin/env bash
# `npm run up:local`: deploys the `local` stack (Pulumi.local.yaml) onto the loopback API
# server with the locally built Pulumi CLI and a file backend, and prints pulumi's summary.
#   1. builds what is missing (scripts/pulumi/build.sh; cached by version)
#   2. starts etcd, kube-apiserver, controllers, scheduler and a kwok node if not running
#      (scripts/kube/up.sh --all; never stopped here: others may share it)
#   3. selects (or creates) stack `local` in the file backend and runs `pulumi up --yes`
# Extra arguments go to `pulumi up` (e.g. --diff, --refresh). `--destroy` (first argument)
# runs `pulumi destroy --yes` instead: the integration test needs the API server without it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

scripts/pulumi/build.sh >/dev/null
# shellcheck source=scripts/pulumi/env.sh
source scripts/pulumi/env.sh
if ! eval "$(scripts/kube/up.sh --all)"; then
  echo "up-local: the local API server did not start; build it with KUBE_BUILD_ALL=1 scripts/kube/build.sh" >&2
  exit 1
fi
pulumi stack select --create local --non-interactive >/dev/null
if [[ ${1:-} == --destroy ]]; then
  shift
  exec pulumi destroy --yes --non-interactive --stack local "$@"
fi
exec pulumi up --yes --non-interactive --stack local "$@"
