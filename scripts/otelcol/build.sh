#!/usr/bin/env bash
# Builds a minimal OpenTelemetry Collector (OTLP receiver + file exporter, scripts/otelcol/main.go)
# from Go modules into a cache keyed by version (skipped when already there at that version),
# for test/integration/tracing.test.ts. See scripts/otelcol/README.md for versions and times.
#
#   scripts/otelcol/build.sh              # prints the bin directory on its last line
#   OTELCOL=$(scripts/otelcol/build.sh | tail -n 1)/otelcol
#
# Low priority on purpose (nice 19, GOFLAGS=-p=1), like the other Go builds.

# ---- versions (exact; the Go module proxy serves them) ------------------------------
# One collector release for all modules: fileexporter (contrib) v0.161.0 is the newest that
# builds here, so the core modules are at v0.161.0 too (their v1 modules at v1.67.0 follow).
OTELCOL_VERSION=v0.161.0
# -------------------------------------------------------------------------------------

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}
OTELCOL_DIR=$CACHE_ROOT/otelcol-$OTELCOL_VERSION
BIN=$OTELCOL_DIR/bin
TIMES=$OTELCOL_DIR/build-times.txt
GO_BUILD_LABEL=otelcol/build
GO_BUILD_JOBS=${OTELCOL_BUILD_JOBS:-1}
# shellcheck source=../lib/go-build.sh
source "$HERE/../lib/go-build.sh"

# The stamp covers main.go too: a change to the components builds again.
STAMP="$OTELCOL_VERSION-$(sha256sum "$HERE/main.go" | cut -c1-12)"

build_otelcol() {
  local out=$2 version=$OTELCOL_VERSION
  cp "$HERE/main.go" .
  "${GO[@]}" mod init debughost/otelcol
  "${GO[@]}" get \
    "go.opentelemetry.io/collector/otelcol@$version" \
    "go.opentelemetry.io/collector/receiver/otlpreceiver@$version" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter@$version" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension@$version" \
    "go.opentelemetry.io/collector/exporter/debugexporter@$version" \
    "go.opentelemetry.io/collector/exporter/otlpexporter@$version" \
    "go.opentelemetry.io/collector/processor/batchprocessor@$version" \
    "go.opentelemetry.io/collector/processor/memorylimiterprocessor@$version"
  "${GO[@]}" mod tidy
  "${GO[@]}" build -o "$out" -ldflags "-s -w -X main.version=$version" .
  "$out" --version
}

build_one otelcol "$STAMP" build_otelcol
rc=0
go_build_status || rc=1
echo "$BIN"
exit $rc
