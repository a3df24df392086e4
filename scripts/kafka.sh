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
#   scripts/kafka.sh pid       print the running broker's process id (the bench measures its CPU)
#
# Secured mode (KAFKA_SECURE=1 at the first start of a port's node): the client port
# is a SASL_SSL listener (SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN) with a broker
# certificate signed by a local CA, both made with openssl into <node>/tls; the
# SCRAM users are created when the storage is formatted. Inter-broker and
# controller traffic stay on their own plaintext listeners on 127.0.0.1. The node
# keeps its mode until `wipe`. Clients find what they need in the node's folder:
# tls/ca.pem (the CA to trust), sasl-password (the user's password) and client.toml
# (a `[kafka]` table for newswire).
#
# Settings (environment):
#   KAFKA_PORT             client port                   (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port         (default KAFKA_PORT + 1)
#   KAFKA_INTERNAL_PORT    secured mode: plaintext inter-broker port (default KAFKA_PORT + 2)
#   KAFKA_SECURE           1: secured mode (see above)   (default 0)
#   KAFKA_SASL_USER        secured mode: the SASL user   (default newswire)
#   KAFKA_SASL_PASSWORD    secured mode: its password    (default: random, kept in <node>/sasl-password)
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
internal_port=${KAFKA_INTERNAL_PORT:-$((port + 2))}
tls=$node_dir/tls
sasl_user=${KAFKA_SASL_USER:-newswire}
modefile=$node_dir/mode

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

# `secure` or `plain`: what the node was formatted as, else what KAFKA_SECURE asks for.
mode() {
  if [ -f "$modefile" ]; then cat "$modefile"
  elif [ -f "$data/meta.properties" ]; then echo plain
  elif [ "${KAFKA_SECURE:-0}" = 1 ]; then echo secure
  else echo plain
  fi
}

probe() {
  # A secured node is probed on its plaintext inter-broker listener.
  local at=$address
  [ "$(mode)" = secure ] && at=127.0.0.1:$internal_port
  java -cp "$jars/*" "$repo/scripts/kafka/KafkaProbe.java" "$at" "$1" 2>>"$node_dir/probe.log"
}

# Secured mode's CA, broker certificate (for 127.0.0.1 and localhost) and PKCS12
# key store, the SASL password and a client config; made once per node.
make_credentials() {
  [ -f "$tls/broker.p12" ] && return 0
  command -v openssl >/dev/null || { log "openssl is required for the secured mode"; exit 1; }
  log "making a CA and a broker certificate in $tls"
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=newswire local CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem -days 3650 -extfile broker.ext 2>/dev/null
    openssl rand -hex 16 >store-password
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker -out broker.p12 -passout "file:store-password"
  )
  (umask 077; printf '%s\n' "${KAFKA_SASL_PASSWORD:-$(openssl rand -hex 16)}" >"$node_dir/sasl-password")
  cat >"$node_dir/client.toml" <<TOML
# newswire's [kafka] table for the secured broker at $address (made by scripts/kafka.sh).
[kafka]
brokers = "$address"

[kafka.security]
protocol = "sasl_ssl"
ca_file = "$tls/ca.pem"
sasl_mechanism = "SCRAM-SHA-512"
username = "$sasl_user"
password_file = "$node_dir/sasl-password"
TOML
}

listener_config() {
  if [ "$(mode)" = secure ]; then
    local password store_password
    password=$(cat "$node_dir/sasl-password")
    store_password=$(cat "$tls/store-password")
    cat <<PROPS
listeners=SASL_SSL://127.0.0.1:$port,INTERNAL://127.0.0.1:$internal_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=SASL_SSL://127.0.0.1:$port,INTERNAL://127.0.0.1:$internal_port
inter.broker.listener.name=INTERNAL
listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$sasl_user="$password";
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/broker.p12
ssl.keystore.password=$store_password
ssl.key.password=$store_password
ssl.client.auth=none
PROPS
  else
    cat <<PROPS
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
PROPS
  fi
}

write_config() {
  mkdir -p "$data"
  [ "$(mode)" = secure ] && make_credentials
  cat >"$node_dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
$(listener_config)
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
# The active controller writes a no-op record to the metadata log every 500 ms by
# default (KIP-835), which the broker then fetches and applies: half of a quiet
# node's CPU. One every 10 s measured 1.5% of a core idle instead of 2.5%.
metadata.max.idle.interval.ms=10000
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
  local cluster_id scram=()
  cluster_id=$(java -cp "$jars/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  local formatted_as
  formatted_as=$(mode)
  if [ "$formatted_as" = secure ]; then
    local password
    password=$(cat "$node_dir/sasl-password")
    scram=(--add-scram "SCRAM-SHA-512=[name=$sasl_user,password=$password]" --add-scram "SCRAM-SHA-256=[name=$sasl_user,password=$password]")
  fi
  log "formatting KRaft storage in $data (cluster $cluster_id, $formatted_as)"
  java -Dlog4j2.configurationFile="$node_dir/log4j2.properties" -cp "$jars/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$node_dir/server.properties" "${scram[@]}" \
    >"$node_dir/format.log" 2>&1 || { cat "$node_dir/format.log" >&2; exit 1; }
  echo "$formatted_as" >"$modefile"
}

start() {
  mkdir -p "$node_dir"
  if pid_alive; then
    probe 30 >/dev/null && { log "already running at $address"; return 0; }
  fi
  if [ -f "$modefile" ] && [ "$(cat "$modefile")" != "$( [ "${KAFKA_SECURE:-0}" = 1 ] && echo secure || echo plain)" ]; then
    log "the node at $node_dir was made $(cat "$modefile"); 'wipe' it to change the mode"
    exit 1
  fi
  resolve_jars
  write_config
  format_storage
  log "starting $(mode) broker at $address (log: $logfile)"
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
  pid) pid_alive && cat "$pidfile" || { log "not running at $address"; exit 1; } ;;
  *) echo "usage: $0 start|stop|restart|status|jars|wipe|pid" >&2; exit 2 ;;
esac
