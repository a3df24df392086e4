#!/usr/bin/env bash
# Runs newswire's whole test suite on a fresh machine: installs what is missing,
# starts the real Kafka broker (scripts/kafka.sh, on a test port), builds the
# service binaries the end-to-end tests run, runs every test, and stops the broker.
# `.ci/run` calls exactly this.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

bash scripts/setup.sh

# A one-off build (CI) gains nothing from incremental state, which only costs disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

export NEWSWIRE_TEST_KAFKA_PORT=${NEWSWIRE_TEST_KAFKA_PORT:-19092}
export KAFKA_PORT=$NEWSWIRE_TEST_KAFKA_PORT
# tests/tests/secured_kafka.rs starts and stops its own secured broker (SASL_SSL) here.
export NEWSWIRE_TEST_KAFKA_SECURE_PORT=${NEWSWIRE_TEST_KAFKA_SECURE_PORT:-19292}
# A fresh broker each run: no topics or offsets left over from an earlier run.
bash scripts/kafka.sh wipe
bash scripts/kafka.sh start
trap 'bash scripts/kafka.sh stop' EXIT

cargo build --locked --workspace --bins
cargo test --locked --workspace -- --test-threads="${NEWSWIRE_TEST_THREADS:-2}"
