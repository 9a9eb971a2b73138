# Sourced by scripts/kube/build.sh and scripts/pulumi/build.sh: the Go environment and the
# cached, version-stamped build of one binary. The caller sets, before sourcing:
#   BIN (where binaries go), TIMES (build-times file), GO_BUILD_LABEL (log prefix, temp dir
#   names) and GO_BUILD_JOBS (parallel compile jobs, 1 by default: the machine is shared).

export PATH=/usr/local/go/bin:$PATH
export GOFLAGS="-p=${GO_BUILD_JOBS:-1} -buildvcs=false -trimpath"
export CGO_ENABLED=0
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
GO=(nice -n 19 go)
mkdir -p "$BIN"

log() { printf '[%s %s] %s\n' "$GO_BUILD_LABEL" "$(date -u +%H:%M:%S)" "$*" >&2; }

# A binary counts as built when it and its version stamp (<name>.version) are there.
have() { [[ -x $BIN/$1 && -f $BIN/$1.version && $(cat "$BIN/$1.version") == "$2" ]]; }

GO_BUILD_FAILED=()

# build_one NAME VERSION FUNCTION: runs `FUNCTION VERSION OUT` in a fresh temp dir, times it
# (wall clock) and stamps the result; on failure the dir and its build.log are kept and NAME
# is added to GO_BUILD_FAILED. It always returns 0 so that callers need no `|| ...`: bash
# ignores errexit for everything run inside such a list, which would let a failed step pass.
build_one() {
  local name=$1 version=$2 fn=$3
  if have "$name" "$version"; then
    log "$name $version: cached"
    return 0
  fi
  local work start end size st
  work=$(mktemp -d "${TMPDIR:-/tmp}/${GO_BUILD_LABEL//\//-}-$name.XXXXXX")
  log "$name $version: building in $work"
  start=$(date +%s)
  # errexit must hold inside the subshell, so it is not run as an `if` condition
  set +e
  (set -e; cd "$work"; "$fn" "$version" "$BIN/$name.tmp") >"$work/build.log" 2>&1
  st=$?
  set -e
  if [[ $st -ne 0 || ! -x $BIN/$name.tmp ]]; then
    log "$name $version: FAILED (status $st), last lines of $work/build.log:"
    tail -n 30 "$work/build.log" >&2
    rm -f "$BIN/$name.tmp"
    GO_BUILD_FAILED+=("$name")
    return 0
  fi
  end=$(date +%s)
  mv -f "$BIN/$name.tmp" "$BIN/$name"
  echo "$version" >"$BIN/$name.version"
  size=$(stat -c %s "$BIN/$name")
  printf '%s %s %ss %s bytes %s jobs=%s\n' "$name" "$version" "$((end - start))" "$size" \
    "$(date -u +%FT%TZ)" "${GO_BUILD_JOBS:-1}" >>"$TIMES"
  log "$name $version: built in $((end - start))s, $((size / 1024 / 1024)) MiB"
  # Copied module-cache files are read-only.
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}

# Status for the end of a build script: 1 (and the names) when any build_one failed.
go_build_status() {
  [[ ${#GO_BUILD_FAILED[@]} -eq 0 ]] && return 0
  log "failed: ${GO_BUILD_FAILED[*]}"
  return 1
}
