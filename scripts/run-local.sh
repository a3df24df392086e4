#!/usr/bin/env bash
# Runs the whole newswire pipeline on this machine: installs what is missing,
# starts the Kafka broker (scripts/kafka.sh), builds and starts the four
# services, pushes the sample stories in tests/fixtures/, prints the published
# ninjs for them and where the metrics are, then keeps running until Ctrl-C.
#
#   scripts/run-local.sh            run until Ctrl-C
#   NEWSWIRE_DEMO_EXIT=1 scripts/run-local.sh   push, show, then stop everything
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
run=$repo/.run
mkdir -p "$run/logs"
export NEWSWIRE_CONFIG=${NEWSWIRE_CONFIG:-$repo/config/newswire.dev.toml}
export KAFKA_PORT=${KAFKA_PORT:-9092}
export NEWSWIRE_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT

bash scripts/setup.sh
bash scripts/kafka.sh start
cargo build --workspace --bins

pids=()
cleanup() {
  echo "stopping the services (SIGTERM: each drains, commits and exits)…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash scripts/kafka.sh stop
}
trap cleanup EXIT INT TERM

for service in ingest normalize enrich publish; do
  "target/debug/newswire-$service" >"$run/logs/$service.log" 2>&1 &
  pids+=($!)
done

wait_ready() {
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "service on admin port $1 did not become ready; see $run/logs/" >&2
  exit 1
}
for port in 9101 9102 9103 9104; do wait_ready "$port"; done
echo "all four services are ready"

repeats=0
push() { # token content-type file
  local answer
  answer=$(curl -sS -X POST "http://127.0.0.1:8080/v1/stories" \
    -H "Authorization: Bearer $1" -H "Content-Type: $2" --data-binary "@$3")
  echo "  $(basename "$3"): $answer"
  case "$answer" in *'"status":"duplicate"'*) repeats=1 ;; esac
}
echo "pushing the sample stories:"
push pa-demo-token "text/plain; charset=utf-8" tests/fixtures/pa-truss-lavrov-2022-02-14.txt
# One sample in each wire format (the fixtures the tests use).
for f in ninjs-2.1.json newsml-g2-newsitem.xml newsml-1-envelope-3items.xml nitf.xml rss-3-items-iso-8859-1.xml atom-2-entries.xml iptc7901.txt; do
  case "$f" in
    *.json) type=application/json ;;
    rss*) type=application/rss+xml ;;
    atom*) type=application/atom+xml ;;
    *.xml) type=application/xml ;;
    iptc7901*) type=application/vnd.iptc.7901 ;;
  esac
  push ap-demo-token "$type" "tests/fixtures/ingest/$f"
done
echo
if [ "$repeats" = 1 ]; then
  cat <<TXT
Some stories were pushed by an earlier run already, so ingest answered "duplicate"
and they were not processed again: the stories below are what that earlier run
published (with the code of its day). To start afresh, stop this script and run
  KAFKA_PORT=$KAFKA_PORT bash scripts/kafka.sh wipe && rm -rf .run/data
TXT
  echo
fi
echo "published ninjs (topic newswire.published):"
target/debug/newswire tail newswire.published --brokers "$NEWSWIRE_KAFKA_BROKERS" --from-beginning --idle-exit 5
echo
echo "the same stories as ninjs JSON, one per line:"
target/debug/newswire tail newswire.published --brokers "$NEWSWIRE_KAFKA_BROKERS" --from-beginning --idle-exit 3 --json
echo
cat <<TXT
newswire is running.
  push API      http://127.0.0.1:8080/v1/stories   (Authorization: Bearer pa-demo-token)
  metrics       http://127.0.0.1:9101/metrics (ingest) :9102 (normalize) :9103 (enrich) :9104 (publish)
  health/ready  http://127.0.0.1:910x/health, /ready
  logs          $run/logs/
  follow        target/debug/newswire tail newswire.published
  status        target/debug/newswire status
TXT
if [ -n "${NEWSWIRE_DEMO_EXIT:-}" ]; then exit 0; fi
echo "Ctrl-C to stop."
wait
