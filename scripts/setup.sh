#!/usr/bin/env bash
# Installs what newswire needs beyond the machine's toolchains, idempotently:
# the Debian packages the build and the tests use, and the Kafka broker jars.
# Called by scripts/test.sh and scripts/run-local.sh; safe to run again.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need_apt=()
command -v cargo >/dev/null || { echo "setup.sh: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
command -v cmake >/dev/null || need_apt+=(cmake)
command -v curl >/dev/null || need_apt+=(curl)
# rdkafka is built with TLS and SASL (PLAIN, SCRAM) against the system's OpenSSL;
# the openssl command makes the secured test broker's certificates (scripts/kafka.sh).
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
pkg-config --exists openssl 2>/dev/null || need_apt+=(libssl-dev)
command -v openssl >/dev/null || need_apt+=(openssl)
# A real Prometheus server and promtool, for the observability tests.
command -v prometheus >/dev/null && command -v promtool >/dev/null || need_apt+=(prometheus)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup.sh: installing ${need_apt[*]} with apt-get" >&2
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

bash "$repo/scripts/kafka.sh" jars
