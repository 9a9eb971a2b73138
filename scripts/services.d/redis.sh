# Redis Cluster for the integration tests: 6 nodes (3 primaries, 3 replicas) on loopback.
# Sourced by scripts/services, which calls redis_up / redis_down / redis_status.
# redis_up prints eval-able `export` lines on stdout; progress goes to stderr.
#
# Ports: DEBUG_HOST_REDIS_BASE_PORT (default 57001) .. +5; each node's cluster bus is its
# port + 100 (the usual +10000 would pass 65535). State (node dirs, nodes.conf,
# pid and log files) lives in ${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}/redis.
# Nodes run without persistence: the cluster holds only rate-limit buckets and caches. No
# diskless-sync delay (5 s by default), so that replicas are in sync right after create.
#
# Tests stop nodes by killing the pid in <state>/<port>/redis.pid; `up` then restarts the
# missing nodes with their nodes.conf, so they rejoin the same cluster.

redis__dir() { printf '%s/redis' "${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}"; }
redis__ports() {
  local base="${DEBUG_HOST_REDIS_BASE_PORT:-57001}" i
  for i in 0 1 2 3 4 5; do printf '%s\n' "$((base + i))"; done
}
redis__log() { printf '[redis] %s\n' "$*" >&2; }
redis__cli() { local port="$1"; shift; redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null; }

redis__install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  redis__log "installing redis-server and redis-tools from Debian"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >&2
}

# Node pid when its process is alive, else nothing (and a non-zero status).
redis__pid() {
  local pidfile
  pidfile="$(redis__dir)/$1/redis.pid"
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)"
  # A just-killed node can linger as a zombie for a moment: that is not alive.
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*zombie' "/proc/$pid/status" 2>/dev/null &&
    printf '%s' "$pid"
}

redis__start_node() {
  local port="$1" dir
  dir="$(redis__dir)/$port"
  mkdir -p "$dir"
  redis__pid "$port" >/dev/null && return 0
  rm -f "$dir/redis.pid"
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" \
    --cluster-enabled yes --cluster-port "$((port + 100))" \
    --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 2000 \
    --save '' --appendonly no --repl-diskless-sync-delay 0 >&2
}

# Waits up to $2 seconds for `cmd...` (from $3 on) to succeed.
redis__wait() {
  local what="$1" secs="$2" deadline
  shift 2
  deadline=$((SECONDS + secs))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      redis__log "timed out after ${secs}s waiting for $what"
      return 1
    fi
    sleep 0.2
  done
}

redis__all_ping() {
  local port
  for port in $(redis__ports); do
    [[ "$(redis__cli "$port" ping)" == PONG ]] || return 1
  done
}

# Every node sees a healthy cluster, and every replica has finished its sync with its primary.
redis__cluster_ready() {
  local port info role
  for port in $(redis__ports); do
    info="$(redis__cli "$port" cluster info)" || return 1
    grep -q '^cluster_state:ok' <<<"$info" || return 1
    grep -q '^cluster_known_nodes:6' <<<"$info" || return 1
    role="$(redis__cli "$port" info replication)" || return 1
    if grep -q '^role:slave' <<<"$role"; then
      grep -q '^master_link_status:up' <<<"$role" || return 1
    fi
  done
  # 3 primaries each with one replica.
  [[ "$(redis__cli "$(redis__ports | head -n1)" cluster nodes | grep -c 'slave')" == 3 ]]
}

redis__slots_assigned() {
  redis__cli "$(redis__ports | head -n1)" cluster info | grep -q '^cluster_slots_assigned:16384'
}

redis__exports() {
  local ports nodes
  ports="$(redis__ports)"
  nodes="$(sed 's/^/127.0.0.1:/' <<<"$ports" | paste -sd, -)"
  printf 'export DEBUG_HOST_REDIS_URL=redis://127.0.0.1:%s\n' "$(head -n1 <<<"$ports")"
  printf 'export DEBUG_HOST_REDIS_CLUSTER=1\n'
  printf 'export DEBUG_HOST_REDIS_NODES=%s\n' "$nodes"
}

redis__stop_all() {
  local port pid
  for port in $(redis__ports); do
    if pid="$(redis__pid "$port")"; then
      redis__cli "$port" shutdown nosave >/dev/null || kill "$pid" 2>/dev/null || true
    fi
  done
  for port in $(redis__ports); do
    if pid="$(redis__pid "$port")"; then
      redis__wait "node $port to exit" 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

redis_up() {
  local port addrs=() dir
  redis__install || return 1
  dir="$(redis__dir)"
  mkdir -p "$dir"
  if redis__all_ping && redis__cluster_ready; then
    redis__log "cluster already up"
    redis__exports
    return 0
  fi
  for port in $(redis__ports); do
    redis__start_node "$port" || return 1
    addrs+=("127.0.0.1:$port")
  done
  redis__wait "6 nodes to answer PING" 20 redis__all_ping || {
    for port in $(redis__ports); do
      redis__pid "$port" >/dev/null || redis__log "node $port is not running: $(tail -n 2 "$dir/$port/redis.log" 2>/dev/null)"
    done
    return 1
  }
  if redis__slots_assigned; then
    # Restarted nodes rejoin through their nodes.conf; a broken leftover is rebuilt once.
    if ! redis__wait "the existing cluster to recover" 20 redis__cluster_ready; then
      redis__log "rebuilding the cluster from scratch"
      redis__stop_all
      rm -rf "$dir"
      redis_up
      return
    fi
  else
    redis__log "creating the cluster (3 primaries, 3 replicas)"
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 || {
      redis__log "cluster create failed: $(tail -n5 "$dir/create.log")"
      return 1
    }
    redis__wait "cluster_state:ok and replicas in sync" 60 redis__cluster_ready || return 1
  fi
  redis__log "cluster ready on ports $(redis__ports | paste -sd' ' -)"
  redis__exports
}

# Stops every node and removes the state, so that the next `up` builds a fresh cluster.
redis_down() {
  redis__stop_all
  rm -rf "$(redis__dir)"
  redis__log "stopped"
}

redis_status() {
  local port pid up=0
  for port in $(redis__ports); do
    if pid="$(redis__pid "$port")"; then
      up=$((up + 1))
      printf 'redis 127.0.0.1:%s pid %s %s\n' "$port" "$pid" \
        "$(redis__cli "$port" info replication | grep '^role:' | tr -d '\r')"
    else
      printf 'redis 127.0.0.1:%s down\n' "$port"
    fi
  done
  if ((up == 6)) && redis__cluster_ready; then
    printf 'redis cluster: ok\n'
  else
    printf 'redis cluster: not ready (%s/6 nodes running)\n' "$up"
    return 1
  fi
}
