# etcd + kube-apiserver on loopback, from the binaries scripts/kube/build.sh caches, and
# with --all (or DEBUG_HOST_KUBE_ALL=1) also kube-controller-manager, kube-scheduler and kwok
# with one fake node, so that Pods get scheduled and reach Running.
# Sourced by scripts/kube/up.sh and down.sh and by scripts/services.d/kube.sh (which builds
# the binaries first): defines kube_up, kube_down and kube_status in the style of
# scripts/services.d/*.sh. kube_up prints eval-able `export KUBECONFIG=...` on stdout;
# progress goes to stderr.
#
# Ports: etcd client 56379 (peer 56380), kube-apiserver 56443, kwok's kubelet-like server
# (logs) 56447 (DEBUG_HOST_KUBE_ETCD_PORT, DEBUG_HOST_KUBE_API_PORT,
# DEBUG_HOST_KUBE_KWOK_PORT); the controller manager and scheduler serve no port.
# State (etcd data, generated certificates, service-account key, token file, kubeconfigs,
# pid and log files) lives in ${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}/kube.
# Identities (tokens.csv, a kubeconfig each): admin (system:masters) in `kubeconfig`;
# `tester` (authenticated, no grants: RBAC denies it everything that is not public) in
# `tester.kubeconfig`; system:kube-controller-manager, system:kube-scheduler and kwok
# (system:masters) for --all.
# The binaries are not built here: kube_up fails with a hint when they are missing.

kube__here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kube__dir() { printf '%s/kube' "${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}"; }
kube__etcd_port() { printf '%s' "${DEBUG_HOST_KUBE_ETCD_PORT:-56379}"; }
kube__api_port() { printf '%s' "${DEBUG_HOST_KUBE_API_PORT:-56443}"; }
kube__kwok_port() { printf '%s' "${DEBUG_HOST_KUBE_KWOK_PORT:-56447}"; }
kube__log() { printf '[kube] %s\n' "$*" >&2; }

# A version recorded in build.sh (KUBE_VERSION, KWOK_VERSION, ...).
kube__version() { sed -n "s/^$1=\([^ ]*\).*/\1/p" "$kube__here/build.sh"; }
# The cache directory of build.sh and its bin directory.
kube__cache() { printf '%s/kube-%s' "${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}" "$(kube__version KUBE_VERSION)"; }
kube__bin() { printf '%s/bin' "$(kube__cache)"; }

# Pid of a component (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)
# when it is alive, else a non-zero status.
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

kube__token() { awk -F, -v u="$1" '$2 == u {print $1; exit}' "$(kube__dir)/tokens.csv" 2>/dev/null; }
kube__admin_token() { kube__token admin; }

# curl as admin against the API server: kube__api METHOD PATH [JSON BODY]
kube__api() {
  curl -sS --cacert "$(kube__dir)/certs/apiserver.crt" -H "Authorization: Bearer $(kube__admin_token)" \
    -H 'Content-Type: application/json' -X "$1" "https://127.0.0.1:$(kube__api_port)$2" ${3:+--data "$3"}
}

kube__etcd_healthy() {
  curl -fsS "http://127.0.0.1:$(kube__etcd_port)/health" 2>/dev/null | grep -q '"health":"true"'
}

kube__api_ready() {
  curl -fsS --cacert "$(kube__dir)/certs/apiserver.crt" \
    -H "Authorization: Bearer $(kube__admin_token)" \
    "https://127.0.0.1:$(kube__api_port)/readyz" 2>/dev/null | grep -qx ok
}

# token,user,uid,"group1,group2": one line per identity, added once (the API server reads
# the file at start; kube__up restarts the API server when the file changed since, see
# kube__tokens_stale).
kube__ensure_token() {
  local user="$1" groups="$2"
  [[ -n "$(kube__token "$user")" ]] && return 0
  printf '%s,%s,%s%s\n' "$(openssl rand -hex 24)" "$user" "$user" "${groups:+,$groups}" \
    >>"$(kube__dir)/tokens.csv"
}

# Keys, tokens and the kubeconfig; each is made once and kept with the state.
kube__prepare() {
  local dir
  dir="$(kube__dir)"
  mkdir -p "$dir/certs" "$dir/etcd"
  chmod 700 "$dir" "$dir/etcd"
  if [[ ! -f "$dir/sa.key" ]]; then
    openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
    openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  fi
  touch "$dir/tokens.csv"
  chmod 600 "$dir/tokens.csv"
  kube__ensure_token admin '"system:masters"'
  kube__ensure_token system:kube-controller-manager ''
  kube__ensure_token system:kube-scheduler ''
  kube__ensure_token kwok '"system:masters"'
  kube__ensure_token tester ''
}

# The API server reads tokens.csv only at start: a token added since (a newer kube.sh) means
# a quick restart of the API server (etcd keeps every object, so users see a blip of a few s).
kube__tokens_stale() {
  local dir
  dir="$(kube__dir)"
  [[ "$(sha256sum <"$dir/tokens.csv")" != "$(cat "$dir/tokens.loaded" 2>/dev/null)" ]]
}

# kube__write_kubeconfig [USER [FILE]]: admin into <state>/kubeconfig by default.
kube__write_kubeconfig() {
  local dir user="${1:-admin}" file
  dir="$(kube__dir)"
  file="${2:-$dir/kubeconfig}"
  cat >"$file.tmp" <<KUBECONFIG_END
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$(kube__api_port)
    certificate-authority: $dir/certs/apiserver.crt
users:
- name: $user
  user:
    token: $(kube__token "$user")
contexts:
- name: local
  context:
    cluster: local
    user: $user
current-context: local
KUBECONFIG_END
  chmod 600 "$file.tmp"
  mv -f "$file.tmp" "$file"
}

# Fails when something else already listens on the port (another checkout's cluster, say).
kube__port_free() {
  if ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; then
    kube__log "127.0.0.1:$1 is already in use by another process: set DEBUG_HOST_KUBE_ETCD_PORT / DEBUG_HOST_KUBE_API_PORT / DEBUG_HOST_KUBE_KWOK_PORT"
    return 1
  fi
}

# Starts a component in the background with its log and pid file: kube__spawn NAME CMD...
kube__spawn() {
  local name="$1" dir
  shift
  dir="$(kube__dir)"
  kube__pid "$name" >/dev/null && return 0
  nohup "$@" >"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

kube__start_etcd() {
  local dir port
  dir="$(kube__dir)"
  port="$(kube__etcd_port)"
  kube__pid etcd >/dev/null && return 0
  kube__port_free "$port" && kube__port_free "$((port + 1))" || return 1
  kube__log "starting etcd on 127.0.0.1:$port"
  # --unsafe-no-fsync: throw-away test data, spare the shared disk.
  kube__spawn etcd "$(kube__bin)/etcd" --name local --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-cluster "local=http://127.0.0.1:$((port + 1))" \
    --listen-metrics-urls '' --unsafe-no-fsync --log-level warn
  kube__wait etcd 30 kube__etcd_healthy
}

kube__start_apiserver() {
  local dir
  dir="$(kube__dir)"
  kube__pid kube-apiserver >/dev/null && return 0
  kube__port_free "$(kube__api_port)" || return 1
  kube__log "starting kube-apiserver on 127.0.0.1:$(kube__api_port)"
  sha256sum <"$dir/tokens.csv" >"$dir/tokens.loaded"
  # --advertise-address on loopback: the endpoint reconciler would try to publish
  # 127.0.0.1 as the `kubernetes` Service's endpoint, which validation refuses, so it is off.
  kube__spawn kube-apiserver "$(kube__bin)/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$(kube__etcd_port)" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
    --secure-port "$(kube__api_port)" --cert-dir "$dir/certs" \
    --service-account-key-file "$dir/sa.pub" \
    --service-account-signing-key-file "$dir/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --authorization-mode RBAC --token-auth-file "$dir/tokens.csv" \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,ResourceQuota \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
    --allow-privileged=true --profiling=false
}

kube__start_controller_manager() {
  local dir
  dir="$(kube__dir)"
  kube__pid kube-controller-manager >/dev/null && return 0
  kube__log "starting kube-controller-manager"
  kube__write_kubeconfig system:kube-controller-manager "$dir/kube-controller-manager.kubeconfig"
  # --secure-port 0: no serving port to collide with; readiness is the `default`
  # ServiceAccount that its serviceaccount controller creates.
  kube__spawn kube-controller-manager "$(kube__bin)/kube-controller-manager" \
    --kubeconfig "$dir/kube-controller-manager.kubeconfig" \
    --service-account-private-key-file "$dir/sa.key" --root-ca-file "$dir/certs/apiserver.crt" \
    --use-service-account-credentials --controllers '*' \
    --leader-elect=false --secure-port 0
}

kube__start_scheduler() {
  local dir
  dir="$(kube__dir)"
  kube__pid kube-scheduler >/dev/null && return 0
  kube__log "starting kube-scheduler"
  kube__write_kubeconfig system:kube-scheduler "$dir/kube-scheduler.kubeconfig"
  kube__spawn kube-scheduler "$(kube__bin)/kube-scheduler" \
    --kubeconfig "$dir/kube-scheduler.kubeconfig" --leader-elect=false --secure-port 0
}

# kwok manages the Nodes annotated kwok.x-k8s.io/node=fake: they become Ready and their Pods
# Running. Its server (logs, exec) listens on 127.0.0.1:<kwok port> and the Node's address
# is 127.0.0.1, so the API server's calls for logs stay on loopback. Every container's log
# is <state>/kwok-container.log (CRI format: "<RFC3339Nano> stdout F <line>").
kube__start_kwok() {
  local dir stages port
  dir="$(kube__dir)"
  port="$(kube__kwok_port)"
  stages="$(kube__cache)/kwok-$(kube__version KWOK_VERSION)-stages.yaml"
  [[ -s "$stages" ]] || { kube__log "$stages is missing: run scripts/kube/build.sh kwok"; return 1; }
  kube__pid kwok >/dev/null && return 0
  kube__port_free "$port" || return 1
  kube__log "starting kwok (server on 127.0.0.1:$port)"
  kube__write_kubeconfig kwok "$dir/kwok.kubeconfig"
  [[ -f "$dir/kwok-container.log" ]] ||
    printf '%s stdout F started (simulated by kwok)\n' "$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)" \
      >"$dir/kwok-container.log"
  cat >"$dir/kwok-logs.yaml" <<KWOK_LOGS_END
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: all
spec:
  selector: {}
  logs:
  - containers: []
    logsFile: $dir/kwok-container.log
    follow: true
KWOK_LOGS_END
  kube__spawn kwok "$(kube__bin)/kwok" --kubeconfig "$dir/kwok.kubeconfig" \
    -c "$stages" -c "$dir/kwok-logs.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --cidr 10.244.0.0/16 \
    --server-address "127.0.0.1:$port" --node-port "$port" --node-lease-duration-seconds 40
}

kube__has_default_sa() {
  kube__api GET /api/v1/namespaces/default/serviceaccounts/default 2>/dev/null | grep -q '"kind": "ServiceAccount"'
}

kube__node_ready() {
  kube__api GET /api/v1/nodes/kwok-node-0 2>/dev/null | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'
}

# One fake node, kwok-node-0, with room for many Pods.
kube__ensure_node() {
  kube__api GET /api/v1/nodes/kwok-node-0 2>/dev/null | grep -q '"kind": "Node"' && return 0
  kube__api POST /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"kwok-node-0",
    "annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},
    "labels":{"type":"kwok","kubernetes.io/hostname":"kwok-node-0","kubernetes.io/os":"linux"}},
    "status":{"allocatable":{"cpu":"32","memory":"256Gi","pods":"110"},
    "capacity":{"cpu":"32","memory":"256Gi","pods":"110"}}}' >/dev/null
}

# kube__up [--all]: starts what is not running yet and waits until it is ready.
kube__up() {
  local dir b all=0
  [[ "${1:-}" == --all || "${DEBUG_HOST_KUBE_ALL:-}" == 1 ]] && all=1
  dir="$(kube__dir)"
  local need=(etcd kube-apiserver)
  ((all)) && need+=(kube-controller-manager kube-scheduler kwok)
  for b in "${need[@]}"; do
    [[ -x "$(kube__bin)/$b" ]] || {
      kube__log "$(kube__bin)/$b is missing: run scripts/kube/build.sh first (KUBE_BUILD_ALL=1 for --all)"
      return 1
    }
  done
  kube__prepare
  if kube__pid kube-apiserver >/dev/null && kube__tokens_stale; then
    kube__log "tokens.csv changed since the API server started: restarting it"
    kube__stop kube-apiserver
  fi
  kube__start_etcd || { tail -n 20 "$dir/etcd.log" 2>/dev/null >&2; return 1; }
  kube__start_apiserver || return 1
  if ! kube__wait kube-apiserver 120 kube__api_ready; then
    tail -n 30 "$dir/kube-apiserver.log" >&2
    return 1
  fi
  kube__write_kubeconfig
  kube__write_kubeconfig tester "$dir/tester.kubeconfig"
  if ((all)); then
    kube__start_controller_manager
    kube__start_scheduler
    kube__start_kwok || return 1
    kube__ensure_node
    kube__wait kube-controller-manager 90 kube__has_default_sa ||
      { tail -n 20 "$dir/kube-controller-manager.log" >&2; return 1; }
    kube__wait kwok 60 kube__node_ready || { tail -n 20 "$dir/kwok.log" >&2; return 1; }
    kube__pid kube-scheduler >/dev/null || { tail -n 20 "$dir/kube-scheduler.log" >&2; return 1; }
  fi
  kube__log "ready"
  printf 'export KUBECONFIG=%s\n' "$dir/kubeconfig"
}

# kube_up [--all]
kube_up() { kube__up "$@"; }

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

# kube_down [--clean]: stops every component; --clean also removes the state (etcd data,
# keys, tokens, kubeconfigs).
kube_down() {
  kube__stop kwok
  kube__stop kube-scheduler
  kube__stop kube-controller-manager
  kube__stop kube-apiserver
  kube__stop etcd
  if [[ "${1:-}" == --clean ]]; then
    kube__log "removing $(kube__dir)"
    rm -rf "$(kube__dir)"
  fi
}

kube_status() {
  local ok=0 c
  if kube__pid etcd >/dev/null && kube__etcd_healthy; then
    echo "kube etcd 127.0.0.1:$(kube__etcd_port) up"
  else
    echo "kube etcd 127.0.0.1:$(kube__etcd_port) down"; ok=1
  fi
  if kube__pid kube-apiserver >/dev/null && kube__api_ready; then
    echo "kube kube-apiserver https://127.0.0.1:$(kube__api_port) ready KUBECONFIG=$(kube__dir)/kubeconfig"
  else
    echo "kube kube-apiserver https://127.0.0.1:$(kube__api_port) not ready"; ok=1
  fi
  for c in kube-controller-manager kube-scheduler kwok; do
    [[ -f "$(kube__dir)/$c.pid" ]] || continue
    if kube__pid "$c" >/dev/null; then echo "kube $c running"; else echo "kube $c down"; ok=1; fi
  done
  return "$ok"
}
