# PostgreSQL for the integration tests: a private cluster on loopback, trust auth, port 55432.
# Sourced by scripts/services, which calls postgres_up / postgres_down / postgres_status.
# postgres_up prints eval-able `export DATABASE_URL=...` on stdout; progress goes to stderr.
#
# State lives in ${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}/postgres:
# data/ (the cluster, owned by the postgres OS user), run/ (unix socket), postgres.log.
# Port: DEBUG_HOST_POSTGRES_PORT (default 55432). Database: debughost.
#
# The cluster is for tests only: fsync and synchronous commit are off for speed.

postgres__dir() { printf '%s/postgres' "${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}"; }
postgres__port() { printf '%s' "${DEBUG_HOST_POSTGRES_PORT:-55432}"; }
postgres__log() { printf '[postgres] %s\n' "$*" >&2; }
postgres__url() { printf 'postgres://postgres@127.0.0.1:%s/debughost' "$(postgres__port)"; }

# Newest installed server binaries (Debian keeps them out of PATH, per major version).
postgres__bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$d" && -x "$d/initdb" ]] || return 1
  printf '%s' "$d"
}

postgres__install() {
  postgres__bindir >/dev/null && command -v psql >/dev/null && return 0
  if [[ $EUID -ne 0 ]]; then
    postgres__log "PostgreSQL is not installed and installing it needs root: apt-get install -y postgresql"
    return 1
  fi
  postgres__log "installing postgresql from Debian"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  # The package starts its own cluster on 5432; ours is separate and needs nothing from it.
}

# Runs a server binary as the postgres OS user (Postgres refuses to run as root).
postgres__as_pg() {
  local bin="$1"
  shift
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$(postgres__bindir)/$bin" "$@"
  else
    "$(postgres__bindir)/$bin" "$@"
  fi
}

# The postgres user must be able to reach the state dir; $HOME is often 0700 (root's is),
# so grant traversal (x, not read) on the ancestors that lack it.
postgres__make_reachable() {
  [[ $EUID -eq 0 ]] || return 0
  local d="$1"
  while [[ "$d" != "/" ]]; do
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      postgres__log "granting traversal (o+x) on $d so the postgres user can reach its data"
      chmod o+x "$d"
    fi
    d="$(dirname "$d")"
  done
}

postgres__running() {
  local data
  data="$(postgres__dir)/data"
  [[ -f "$data/postmaster.pid" ]] || return 1
  postgres__as_pg pg_ctl -D "$data" status >/dev/null 2>&1
}

postgres__init() {
  local dir data
  dir="$(postgres__dir)"
  data="$dir/data"
  [[ -f "$data/PG_VERSION" ]] && return 0
  postgres__log "creating a cluster in $data"
  mkdir -p "$dir/run"
  postgres__make_reachable "$dir"
  if [[ $EUID -eq 0 ]]; then chown postgres:postgres "$dir" "$dir/run"; fi
  postgres__as_pg initdb -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2
  cat >"$data/pg_hba.conf" <<HBA
# Trust, on loopback only: a test cluster that listens on nothing else.
local   all  all                trust
host    all  all  127.0.0.1/32  trust
HBA
  cat >>"$data/postgresql.conf" <<CONF

# debug-host test cluster (scripts/services.d/postgres.sh)
listen_addresses = '127.0.0.1'
port = $(postgres__port)
unix_socket_directories = '$dir/run'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  if [[ $EUID -eq 0 ]]; then chown postgres:postgres "$data/pg_hba.conf" "$data/postgresql.conf"; fi
}

postgres_up() {
  postgres__install || return 1
  postgres__init || return 1
  local dir data port
  dir="$(postgres__dir)"
  data="$dir/data"
  port="$(postgres__port)"
  if ! postgres__running; then
    postgres__log "starting on 127.0.0.1:$port"
    if [[ $EUID -eq 0 ]]; then touch "$dir/postgres.log" && chown postgres:postgres "$dir/postgres.log"; fi
    postgres__as_pg pg_ctl -D "$data" -l "$dir/postgres.log" -w -t 60 start >&2 || {
      postgres__log "failed to start; see $dir/postgres.log"
      tail -n 20 "$dir/postgres.log" >&2
      return 1
    }
  fi
  local deadline=$((SECONDS + 60))
  until "$(postgres__bindir)/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    if ((SECONDS >= deadline)); then
      postgres__log "not ready after 60s; see $dir/postgres.log"
      return 1
    fi
    sleep 0.2
  done
  if [[ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'debughost'")" != 1 ]]; then
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE debughost' >&2
  fi
  postgres__log "ready: $(postgres__url)"
  printf 'export DATABASE_URL=%s\n' "$(postgres__url)"
}

postgres_down() {
  local data
  data="$(postgres__dir)/data"
  if ! postgres__running; then
    postgres__log "not running"
    return 0
  fi
  postgres__as_pg pg_ctl -D "$data" -m fast -w stop >&2
  postgres__log "stopped"
}

postgres_status() {
  if postgres__running; then
    local pid
    pid="$(head -n 1 "$(postgres__dir)/data/postmaster.pid")"
    echo "postgres 127.0.0.1:$(postgres__port) up (pid $pid, data $(postgres__dir)/data) DATABASE_URL=$(postgres__url)"
  else
    echo "postgres 127.0.0.1:$(postgres__port) down"
    return 1
  fi
}
