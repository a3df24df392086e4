#!/usr/bin/env bash
# End-to-end benchmark: builds release binaries, starts a dedicated broker and the
# four services, and runs `newswire bench` three times: as fast as possible
# (throughput, ratio to raw Kafka pass-through, CPU and peak RSS per service), at a
# steady 1,000 stories/s, and at a steady 250 stories/s (latency below saturation).
# Before the first run and after the last it measures, with no traffic, the CPU of
# every service and of the broker over BENCH_IDLE_SECONDS (default 30).
# Reports go to target/bench/*.json.
#
#   scripts/bench.sh                 20,000 stories
#   BENCH_STORIES=50000 scripts/bench.sh
#   BENCH_BIN_DIR=/path/to/other/release scripts/bench.sh
#                                    the binaries of another build (an A/B against
#                                    a previous commit in one sitting), not built here
#   BENCH_CONFIG=/path/to/newswire.toml
#                                    another configuration (client settings A/B);
#                                    default config/newswire.dev.toml
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
stories=${BENCH_STORIES:-20000}
export KAFKA_PORT=${BENCH_KAFKA_PORT:-29092}
out=$repo/target/bench
run=$(mktemp -d)
mkdir -p "$out"

bash scripts/setup.sh
bin=${BENCH_BIN_DIR:-$repo/target/release}
[ -n "${BENCH_BIN_DIR:-}" ] || cargo build --release --workspace --bins
bash scripts/kafka.sh wipe
bash scripts/kafka.sh start

export NEWSWIRE_CONFIG=${BENCH_CONFIG:-$repo/config/newswire.dev.toml}
export NEWSWIRE_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export NEWSWIRE_DATA_DIR=$run/data
export NEWSWIRE_LOG_FILTER=warn
export NEWSWIRE_INGEST_ADDR=127.0.0.1:18080
export NEWSWIRE_INGEST_ADMIN_ADDR=127.0.0.1:19101
export NEWSWIRE_NORMALIZE_ADMIN_ADDR=127.0.0.1:19102
export NEWSWIRE_ENRICH_ADMIN_ADDR=127.0.0.1:19103
export NEWSWIRE_PUBLISH_ADMIN_ADDR=127.0.0.1:19104

pids=()
pid_args=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash scripts/kafka.sh stop
  [ -n "${BENCH_KEEP:-}" ] && echo "service logs kept in $run" || rm -rf "$run"
}
trap stop_all EXIT

for service in ingest normalize enrich publish; do
  "$bin/newswire-$service" >"$run/$service.log" 2>&1 &
  pids+=($!)
  pid_args+=(--pid "$service=$!")
done
for port in 19101 19102 19103 19104; do
  for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.2; done
done

idle_pids=("${pid_args[@]}" --pid "broker=$(bash scripts/kafka.sh pid)")
idle_seconds=${BENCH_IDLE_SECONDS:-30}
echo "== idle, before any traffic (after ${idle_seconds}s to settle) =="
sleep "$idle_seconds"
"$bin/newswire" bench-idle --seconds "$idle_seconds" --out "$out/idle-before.json" "${idle_pids[@]}"

common=(--ingest-url http://127.0.0.1:18080 --brokers "$NEWSWIRE_KAFKA_BROKERS" --token pa-demo-token
        --material tests/fixtures/pa-truss-lavrov-2022-02-14.txt "${pid_args[@]}")
echo "== as fast as possible =="
"$bin/newswire" bench --stories "$stories" --concurrency 64 --out "$out/max.json" "${common[@]}"
echo "== steady 1,000 stories/s =="
"$bin/newswire" bench --stories 10000 --rate 1000 --seed 7 --concurrency 64 --no-passthrough --out "$out/steady-1000.json" "${common[@]}"
echo "== steady 250 stories/s =="
"$bin/newswire" bench --stories 5000 --rate 250 --seed 11 --concurrency 64 --no-passthrough --out "$out/steady-250.json" "${common[@]}"
echo "== idle, after the traffic =="
sleep 5
"$bin/newswire" bench-idle --seconds "$idle_seconds" --out "$out/idle-after.json" "${idle_pids[@]}"
