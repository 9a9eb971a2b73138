# Apache Kafka for the integration tests: one KRaft node (broker + controller) on loopback,
# built from Apache Kafka's own artifacts on Maven Central (scripts/kafka/pom.xml) and run
# on the machine's JDK. Sourced by scripts/services, which calls kafka_up / kafka_down /
# kafka_status. kafka_up prints eval-able `export` lines on stdout; progress goes to stderr.
#
# Ports: DEBUG_HOST_KAFKA_PORT (default 59092, PLAINTEXT) and DEBUG_HOST_KAFKA_CONTROLLER_PORT
# (default 59093). Jars: ${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}/kafka-<version>/lib,
# fetched once by Maven. State (config, data, logs, pid) lives in
# ${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}/kafka; `down` stops the broker
# and keeps its data (topics and offsets survive a stop/up, as the outage tests need);
# remove that directory for a fresh broker.

KAFKA__POM="$(cd "$(dirname "${BASH_SOURCE[0]}")/../kafka" && pwd)/pom.xml"

kafka__dir() { printf '%s/kafka' "${DEBUG_HOST_SERVICES_DIR:-$HOME/.cache/debug-host/services}"; }
kafka__port() { printf '%s' "${DEBUG_HOST_KAFKA_PORT:-59092}"; }
kafka__controller_port() { printf '%s' "${DEBUG_HOST_KAFKA_CONTROLLER_PORT:-59093}"; }
kafka__log() { printf '[kafka] %s\n' "$*" >&2; }
kafka__version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA__POM" | head -n1; }
kafka__lib() { printf '%s/kafka-%s/lib' "${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}" "$(kafka__version)"; }

kafka__install() {
  command -v java >/dev/null && command -v mvn >/dev/null && return 0
  kafka__log "installing a JDK and Maven from Debian"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless maven >&2
}

# Copies the broker's runtime jars into the versioned cache; skipped when already there
# for this exact pom (its hash is kept in .complete, so a changed pom fetches again).
kafka__fetch() {
  local lib work sum
  lib="$(kafka__lib)"
  sum="$(sha256sum "$KAFKA__POM" | cut -c1-16)"
  [[ "$(cat "$lib/.complete" 2>/dev/null)" == "$sum" ]] && return 0
  kafka__log "fetching Kafka $(kafka__version) jars from Maven Central into $lib"
  work="$(dirname "$lib")/build"
  rm -rf "$work" "$lib"
  mkdir -p "$work"
  cp "$KAFKA__POM" "$work/pom.xml"
  (cd "$work" && mvn -B -q dependency:copy-dependencies -DoutputDirectory="$work/lib" -DincludeScope=runtime >&2) || {
    kafka__log "mvn dependency:copy-dependencies failed"
    return 1
  }
  mv "$work/lib" "$lib"
  rm -rf "$work"
  printf '%s\n' "$sum" >"$lib/.complete"
}

kafka__pid() {
  local pid
  pid="$(cat "$(kafka__dir)/kafka.pid" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*zombie' "/proc/$pid/status" 2>/dev/null &&
    printf '%s' "$pid"
}

kafka__accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$(kafka__port)") 2>/dev/null; }

# The broker has finished starting (not just bound its port) since the last launch.
kafka__ready() {
  kafka__pid >/dev/null && kafka__accepts && grep -q 'Kafka Server started' "$(kafka__dir)/kafka.log" 2>/dev/null
}

# Ready (true), still starting (false), or exited: then it says why and gives up at once
# (say, the port is taken) rather than waiting out the timeout.
kafka__starting() {
  kafka__ready && return 0
  if ! kafka__pid >/dev/null; then
    kafka__log "the broker exited while starting; last lines of $(kafka__dir)/kafka.log and stdout.log:"
    tail -n 5 "$(kafka__dir)/kafka.log" "$(kafka__dir)/stdout.log" >&2 2>/dev/null || true
    return 2
  fi
  return 1
}

kafka__configure() {
  local dir="$1"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$(kafka__controller_port)
listeners=PLAINTEXT://127.0.0.1:$(kafka__port),CONTROLLER://127.0.0.1:$(kafka__controller_port)
advertised.listeners=PLAINTEXT://127.0.0.1:$(kafka__port)
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
# Several partitions, so that per-key ordering is actually exercised by the tests.
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  cat >"$dir/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/kafka.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
EOF
}

# Waits up to $2 seconds for `cmd...` (from $3 on) to succeed; status 2 from it stops early.
kafka__wait() {
  local what="$1" secs="$2" deadline
  shift 2
  deadline=$((SECONDS + secs))
  local rc
  while :; do
    rc=0
    "$@" || rc=$?
    ((rc == 0)) && return 0
    ((rc == 2)) && return 1
    if ((SECONDS >= deadline)); then
      kafka__log "timed out after ${secs}s waiting for $what; see $(kafka__dir)/kafka.log"
      return 1
    fi
    sleep 0.25
  done
}

# A cluster id as `StorageTool random-uuid` makes it (16 random bytes, base64url, no padding,
# not starting with '-'), without paying for a second JVM start.
kafka__cluster_id() {
  local id
  while :; do
    id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    [[ "$id" != -* ]] && break
  done
  printf '%s' "$id"
}

# A single local broker: the runtime creates its event topics (3 partitions, replication 1) itself.
kafka__exports() { printf 'export DEBUG_HOST_KAFKA_BROKERS=127.0.0.1:%s\nexport DEBUG_HOST_KAFKA_CREATE_TOPICS=3\n' "$(kafka__port)"; }

kafka_up() {
  local dir lib pid
  kafka__install || return 1
  kafka__fetch || return 1
  dir="$(kafka__dir)"
  lib="$(kafka__lib)"
  mkdir -p "$dir"
  if ! kafka__pid >/dev/null; then
    kafka__configure "$dir"
    if [[ ! -f "$dir/data/meta.properties" ]]; then
      kafka__log "formatting KRaft storage in $dir/data"
      java -cp "$lib/*" kafka.tools.StorageTool format -t "$(kafka__cluster_id)" \
        -c "$dir/server.properties" >"$dir/format.log" 2>&1 || {
        kafka__log "storage format failed: $(tail -n5 "$dir/format.log")"
        return 1
      }
    fi
    [[ -f "$dir/kafka.log" ]] && mv -f "$dir/kafka.log" "$dir/kafka.log.1"
    kafka__log "starting the broker on 127.0.0.1:$(kafka__port) (controller $(kafka__controller_port))"
    nohup java -Xmx512m -Xms256m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -cp "$lib/*" kafka.Kafka "$dir/server.properties" >"$dir/stdout.log" 2>&1 </dev/null &
    echo $! >"$dir/kafka.pid"
  fi
  kafka__wait "the broker to accept connections" 90 kafka__starting || return 1
  pid="$(kafka__pid)"
  kafka__log "broker ready (pid $pid)"
  kafka__exports
}

kafka_down() {
  local pid
  if pid="$(kafka__pid)"; then
    kill "$pid" 2>/dev/null || true
    kafka__wait "the broker to stop" 30 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$(kafka__dir)/kafka.pid"
  kafka__log "stopped"
}

kafka_status() {
  local pid
  if pid="$(kafka__pid)" && kafka__ready; then
    printf 'kafka 127.0.0.1:%s pid %s ready (Kafka %s)\n' "$(kafka__port)" "$pid" "$(kafka__version)"
  elif pid="$(kafka__pid)"; then
    printf 'kafka 127.0.0.1:%s pid %s starting\n' "$(kafka__port)" "$pid"
    return 1
  else
    printf 'kafka 127.0.0.1:%s down\n' "$(kafka__port)"
    return 1
  fi
}
