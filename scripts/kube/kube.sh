# etcd + kube-apiserver on loopback, from the binaries scripts/kube/build.sh caches.
# Sourced by scripts/kube/up.sh and down.sh (and, later, by a scripts/services.d/kube.sh):
# defines kube_up, kube_down and kube_status in the style of scripts/services.d/*.sh.
# kube_up prints eval-able `export KUBECONFIG=...` on stdout; progress goes to stderr.
#
# Ports: etcd client 56379 (peer 56380), kube-apiserver 56443 (DEBUG_HOST_KUBE_ETCD_PORT,
# DEBUG_HOST_KUBE_API_PORT). State (etcd data, generated certificates, service-account key,
# token file, kubeconfig, pid and log files) lives in
# ${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}/kube.
# The binaries are not built here: kube_up fails with a hint when they are missing.

kube__here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kube__dir() { printf '%s/kube' "${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}"; }
kube__etcd_port() { printf '%s' "${DEBUG_HOST_KUBE_ETCD_PORT:-56379}"; }
kube__api_port() { printf '%s' "${DEBUG_HOST_KUBE_API_PORT:-56443}"; }
kube__log() { printf '[kube] %s\n' "$*" >&2; }

# The bin directory of the cache, from the versions recorded in build.sh.
kube__bin() {
  local v
  v="$(sed -n 's/^KUBE_VERSION=\([^ ]*\).*/\1/p' "$kube__here/build.sh")"
  printf '%s/kube-%s/bin' "${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}" "$v"
}

# Pid of a component (etcd | kube-apiserver) when it is alive, else a non-zero status.
kube__pid() {
  local pidfile pid
  pidfile="$(kube__dir)/$1.pid"
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*zombie' "/proc/$pid/status" 2>/dev/null &&
    printf '%s' "$pid"
}

# kube__wait COMPONENT SECONDS CMD...: waits for CMD to succeed while COMPONENT's process
# is alive (a crashed start fails at once instead of after the timeout).
kube__wait() {
  local what="$1" secs="$2" deadline
  shift 2
  deadline=$((SECONDS + secs))
  until "$@"; do
    if ! kube__pid "$what" >/dev/null; then
      kube__log "$what exited during start-up (log: $(kube__dir)/$what.log)"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      kube__log "timed out after ${secs}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}

kube__admin_token() { sed -n 's/^\([^,]*\),admin,.*/\1/p' "$(kube__dir)/tokens.csv"; }

kube__etcd_healthy() {
  curl -fsS "http://127.0.0.1:$(kube__etcd_port)/health" 2>/dev/null | grep -q '"health":"true"'
}

kube__api_ready() {
  curl -fsS --cacert "$(kube__dir)/certs/apiserver.crt" \
    -H "Authorization: Bearer $(kube__admin_token)" \
    "https://127.0.0.1:$(kube__api_port)/readyz" 2>/dev/null | grep -qx ok
}

# Keys, tokens and the kubeconfig; each is made once and kept with the state.
kube__prepare() {
  local dir
  dir="$(kube__dir)"
  mkdir -p "$dir/certs"
  mkdir -p "$dir/etcd"
  chmod 700 "$dir/etcd"
  chmod 700 "$dir"
  if [[ ! -f "$dir/sa.key" ]]; then
    openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
    openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  fi
  if [[ ! -f "$dir/tokens.csv" ]]; then
    # token,user,uid,"group1,group2" — one line per test identity.
    printf '%s,admin,admin,"system:masters"\n' "$(openssl rand -hex 24)" >"$dir/tokens.csv"
    chmod 600 "$dir/tokens.csv"
  fi
}

kube__write_kubeconfig() {
  local dir
  dir="$(kube__dir)"
  cat >"$dir/kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$(kube__api_port)
    certificate-authority: $dir/certs/apiserver.crt
users:
- name: admin
  user:
    token: $(kube__admin_token)
contexts:
- name: local
  context:
    cluster: local
    user: admin
current-context: local
EOF
  chmod 600 "$dir/kubeconfig.tmp"
  mv -f "$dir/kubeconfig.tmp" "$dir/kubeconfig"
}

# Fails when something else already listens on the port (another checkout's cluster, say).
kube__port_free() {
  if ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; then
    kube__log "127.0.0.1:$1 is already in use by another process: set DEBUG_HOST_KUBE_ETCD_PORT / DEBUG_HOST_KUBE_API_PORT"
    return 1
  fi
}

kube__start_etcd() {
  local dir bin port
  dir="$(kube__dir)"
  bin="$(kube__bin)"
  port="$(kube__etcd_port)"
  kube__pid etcd >/dev/null && return 0
  kube__port_free "$port" && kube__port_free "$((port + 1))" || return 1
  kube__log "starting etcd on 127.0.0.1:$port"
  # --unsafe-no-fsync: throw-away test data, spare the shared disk.
  nohup "$bin/etcd" --name local --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-cluster "local=http://127.0.0.1:$((port + 1))" \
    --listen-metrics-urls '' --unsafe-no-fsync --log-level warn \
    >"$dir/etcd.log" 2>&1 </dev/null &
  echo $! >"$dir/etcd.pid"
  kube__wait etcd 30 kube__etcd_healthy
}

kube__start_apiserver() {
  local dir bin
  dir="$(kube__dir)"
  bin="$(kube__bin)"
  kube__pid kube-apiserver >/dev/null && return 0
  kube__port_free "$(kube__api_port)" || return 1
  kube__log "starting kube-apiserver on 127.0.0.1:$(kube__api_port)"
  # --advertise-address on loopback: the endpoint reconciler would try to publish
  # 127.0.0.1 as the `kubernetes` Service's endpoint, which validation refuses, so it is off.
  nohup "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$(kube__etcd_port)" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
    --secure-port "$(kube__api_port)" --cert-dir "$dir/certs" \
    --service-account-key-file "$dir/sa.pub" \
    --service-account-signing-key-file "$dir/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --authorization-mode RBAC --token-auth-file "$dir/tokens.csv" \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,ResourceQuota \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
    --allow-privileged=true --profiling=false \
    >"$dir/kube-apiserver.log" 2>&1 </dev/null &
  echo $! >"$dir/kube-apiserver.pid"
}

kube_up() {
  local bin dir b
  bin="$(kube__bin)"
  dir="$(kube__dir)"
  for b in etcd kube-apiserver; do
    [[ -x "$bin/$b" ]] || {
      kube__log "$bin/$b is missing: run scripts/kube/build.sh first"
      return 1
    }
  done
  kube__prepare
  kube__start_etcd || { tail -n 20 "$dir/etcd.log" 2>/dev/null >&2; return 1; }
  kube__start_apiserver || return 1
  if ! kube__wait kube-apiserver 120 kube__api_ready; then
    tail -n 30 "$dir/kube-apiserver.log" >&2
    return 1
  fi
  kube__write_kubeconfig
  kube__log "ready"
  printf 'export KUBECONFIG=%s\n' "$dir/kubeconfig"
}

kube__stop() {
  local name="$1" pid i
  pid="$(kube__pid "$name")" || { rm -f "$(kube__dir)/$name.pid"; return 0; }
  kube__log "stopping $name ($pid)"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$(kube__dir)/$name.pid"
}

# kube_down [--clean]: stops both; --clean also removes the state (etcd data, keys, tokens).
kube_down() {
  kube__stop kube-apiserver
  kube__stop etcd
  if [[ "${1:-}" == --clean ]]; then
    kube__log "removing $(kube__dir)"
    rm -rf "$(kube__dir)"
  fi
}

kube_status() {
  local ok=0
  if kube__pid etcd >/dev/null && kube__etcd_healthy; then
    kube__log "etcd: up on 127.0.0.1:$(kube__etcd_port)"
  else
    kube__log "etcd: down"; ok=1
  fi
  if kube__pid kube-apiserver >/dev/null && kube__api_ready; then
    kube__log "kube-apiserver: ready on https://127.0.0.1:$(kube__api_port)"
  else
    kube__log "kube-apiserver: not ready"; ok=1
  fi
  return "$ok"
}
