#!/usr/bin/env bash
# Pipeline evaluation on real input: builds the binaries, starts a dedicated broker,
# and for each corpus starts the four services on fresh state (their own topics,
# consumer groups and data folder, and a feed of their own), runs `newswire eval`
# on it, and stops them; so the product's own dedupe never compares two corpora.
# Reports go to target/eval/<corpus>.json, the table over every corpus report in
# that folder (each dated; those of corpora not run this time are kept) to
# target/eval/summary.md.
#
#   scripts/eval.sh                              every corpus
#   EVAL_CORPORA="iptc conll" scripts/eval.sh    some of them
#   EVAL_PROFILE=release scripts/eval.sh         release builds (default: debug, as the tests)
#   EVAL_KEEP=1 scripts/eval.sh                  keep the services' logs and data
#   EVAL_ARGS="--limit 50" scripts/eval.sh       extra `newswire eval` options
#   EVAL_SHARED=/path/to/shared scripts/eval.sh  the shared material (default ../shared)
#   NEWSWIRE_UCI_DIR=/path/to/rawData EVAL_CORPORA="uci-events uci-events-interleaved" EVAL_PROFILE=release \
#     EVAL_ARGS="--timeout-secs 5400" scripts/eval.sh
#                                                event clustering on the UCI News Aggregator dev months
#                                                (not in the default list: 266,665 stories, about 15 minutes each)
#
# A corpus that is not there is reported `SKIPPED: <path> not found` (and fails when CI=true).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
corpora=${EVAL_CORPORA:-wcxb extraction-html extraction-text iptc conll}
profile=${EVAL_PROFILE:-debug}
export KAFKA_PORT=${EVAL_KAFKA_PORT:-29492}
admin_base=${EVAL_ADMIN_BASE:-29500}
ingest_port=${EVAL_INGEST_PORT:-29580}
out=$repo/target/eval
run=$(mktemp -d)

bash scripts/setup.sh
if [ "$profile" = release ]; then cargo build --release --workspace --bins; else cargo build --workspace --bins; fi
bin=$repo/target/$profile
bash scripts/kafka.sh wipe
bash scripts/kafka.sh start
mkdir -p "$out"

# One feed per corpus; tokens are stored as SHA-256 hashes.
token() { printf 'eval-%s-token' "$1"; }
{
  echo "# Written by scripts/eval.sh."
  echo "[ingest]"
  echo "feeds = ["
  for corpus in $corpora; do
    echo "  { id = \"eval-$corpus\", token_sha256 = \"$(token "$corpus" | sha256sum | cut -d' ' -f1)\" },"
  done
  echo "]"
  echo "[normalize]"
  echo "default_zone = \"UTC\""
} >"$run/newswire.toml"

export NEWSWIRE_CONFIG=$run/newswire.toml
export NEWSWIRE_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export NEWSWIRE_LOG_FILTER=${EVAL_LOG_FILTER:-warn}
export NEWSWIRE_INGEST_ADDR=127.0.0.1:$ingest_port
export NEWSWIRE_INGEST_ADMIN_ADDR=127.0.0.1:$((admin_base + 1))
export NEWSWIRE_NORMALIZE_ADMIN_ADDR=127.0.0.1:$((admin_base + 2))
export NEWSWIRE_ENRICH_ADMIN_ADDR=127.0.0.1:$((admin_base + 3))
export NEWSWIRE_PUBLISH_ADMIN_ADDR=127.0.0.1:$((admin_base + 4))

pids=()
stop_services() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
stop_all() {
  stop_services
  bash scripts/kafka.sh stop
  [ -n "${EVAL_KEEP:-}" ] && echo "service logs and data kept in $run" || rm -rf "$run"
}
trap stop_all EXIT

status=0
for corpus in $corpora; do
  state=$run/$corpus
  mkdir -p "$state"
  for topic in raw normalized enriched published dlq; do
    export "NEWSWIRE_TOPICS_${topic^^}=eval-$corpus.$topic"
  done
  export NEWSWIRE_KAFKA_GROUP_PREFIX=eval-$corpus
  export NEWSWIRE_DATA_DIR=$state/data
  for service in ingest normalize enrich publish; do
    "$bin/newswire-$service" >"$state/$service.log" 2>&1 &
    pids+=($!)
  done
  for port in $((admin_base + 1)) $((admin_base + 2)) $((admin_base + 3)) $((admin_base + 4)); do
    for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  done
  rm -f "$out/$corpus.json"
  # IPTC's examples hold the same story in several ninjs versions (one uri and
  # version): pushed one at a time, in file order, the same one wins every run.
  # The UCI rows are a stream in time order: pushed one at a time, they reach enrich in that order.
  order=()
  case "$corpus" in iptc | uci-events*) order=(--concurrency 1) ;; esac
  echo "== $corpus =="
  # shellcheck disable=SC2086
  "$bin/newswire" eval --corpus "$corpus" --token "$(token "$corpus")" --shared "${EVAL_SHARED:-../shared}" --out "$out" "${order[@]}" ${EVAL_ARGS:-} || status=1
  stop_services
done
echo "summary: $out/summary.md"
cat "$out/summary.md" 2>/dev/null || true
exit $status
