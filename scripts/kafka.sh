#!/usr/bin/env bash
# The one place newswire starts and stops its Apache Kafka broker, with no Docker:
# Apache's own broker jars are resolved from Maven Central into a git-ignored cache
# and one KRaft node (broker + controller) runs on 127.0.0.1.
#
#   scripts/kafka.sh start     resolve jars, format storage once, start, wait until it answers
#   scripts/kafka.sh stop      stop it cleanly (SIGTERM, then SIGKILL after a grace period)
#   scripts/kafka.sh status    exit 0 and print the address if it is running and answering
#   scripts/kafka.sh restart   stop, then start with the same data (used by fault tests)
#   scripts/kafka.sh jars      only resolve the jars (CI warms this cache first)
#   scripts/kafka.sh wipe      stop and delete this port's data directory
#
# Settings (environment):
#   KAFKA_PORT             client port                   (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port         (default KAFKA_PORT + 1)
#   KAFKA_HOME_DIR         cache for jars and data       (default <repo>/.kafka)
#   KAFKA_HEAP             JVM heap                      (default 512m)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-$((port + 1))}
home=${KAFKA_HOME_DIR:-$repo/.kafka}
jars=$home/jars
node_dir=$home/node-$port
data=$node_dir/data
pidfile=$node_dir/kafka.pid
logfile=$node_dir/kafka.log
heap=${KAFKA_HEAP:-512m}
timeout=${KAFKA_START_TIMEOUT:-90}
address=127.0.0.1:$port

log() { echo "kafka.sh: $*" >&2; }

resolve_jars() {
  if compgen -G "$jars/kafka_2.13-*.jar" >/dev/null && [ -f "$jars/.complete" ]; then
    return 0
  fi
  command -v mvn >/dev/null || { log "Maven (mvn) is required to fetch the broker jars"; exit 1; }
  command -v java >/dev/null || { log "Java 17+ is required to run the broker"; exit 1; }
  log "resolving Apache Kafka broker jars from Maven Central into $jars"
  rm -rf "$jars" && mkdir -p "$jars"
  if ! mvn -q -B -f "$repo/scripts/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$jars" >"$home/mvn.log" 2>&1; then
    log "Maven could not resolve the broker jars; its output:"
    cat "$home/mvn.log" >&2
    exit 1
  fi
  touch "$jars/.complete"
}

pid_alive() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

probe() {
  java -cp "$jars/*" "$repo/scripts/kafka/KafkaProbe.java" "$address" "$1" 2>>"$node_dir/probe.log"
}

write_config() {
  mkdir -p "$data"
  cat >"$node_dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
transaction.abort.timed.out.transaction.cleanup.interval.ms=5000
log.retention.hours=168
PROPS
  cat >"$node_dir/log4j2.properties" <<PROPS
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=FILE
appender.file.type=File
appender.file.name=FILE
appender.file.fileName=$node_dir/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
PROPS
}

format_storage() {
  if [ -f "$data/meta.properties" ]; then return 0; fi
  local cluster_id
  cluster_id=$(java -cp "$jars/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  log "formatting KRaft storage in $data (cluster $cluster_id)"
  java -Dlog4j2.configurationFile="$node_dir/log4j2.properties" -cp "$jars/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$node_dir/server.properties" \
    >"$node_dir/format.log" 2>&1 || { cat "$node_dir/format.log" >&2; exit 1; }
}

start() {
  mkdir -p "$node_dir"
  if pid_alive; then
    probe 30 >/dev/null && { log "already running at $address"; return 0; }
  fi
  resolve_jars
  write_config
  format_storage
  log "starting broker at $address (log: $logfile)"
  nohup java -Xms128m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$node_dir/log4j2.properties" \
    -cp "$jars/*" kafka.Kafka "$node_dir/server.properties" >"$logfile" 2>&1 &
  echo $! >"$pidfile"
  if ! probe "$timeout" >&2; then
    log "broker did not become ready within ${timeout}s; last log lines:"
    tail -n 40 "$logfile" "$node_dir/server.log" >&2 2>/dev/null || true
    exit 1
  fi
}

stop() {
  if ! pid_alive; then
    rm -f "$pidfile"
    return 0
  fi
  local pid
  pid=$(cat "$pidfile")
  log "stopping broker at $address (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
    sleep 0.5
  done
  log "broker did not stop within 30s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

status() {
  if pid_alive && probe 5 >/dev/null; then
    echo "$address"
  else
    log "not running at $address"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  jars) mkdir -p "$home"; resolve_jars ;;
  wipe) stop; rm -rf "$node_dir" ;;
  *) echo "usage: $0 start|stop|restart|status|jars|wipe" >&2; exit 2 ;;
esac
