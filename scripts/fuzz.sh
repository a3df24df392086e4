#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (default 60 s each), seeded with
# the project's fixtures. Findings land in fuzz/artifacts/<target>/; turn each into
# a regression test next to the parser it broke.
#
#   scripts/fuzz.sh            every target, 60 s each
#   scripts/fuzz.sh 300 html   one target, 5 minutes
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd "$repo/fuzz"
# cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
for target in "${targets[@]}"; do
  corpus=corpus/$target
  mkdir -p "$corpus"
  case "$target" in
    normalize_ninjs) cp -n "$repo"/tests/fixtures/ingest/*.json "$corpus"/ 2>/dev/null || true ;;
    normalize_html) cp -n "$repo"/tests/fixtures/ingest/*.html "$corpus"/ 2>/dev/null || true ;;
    normalize_scraped_text) cp -n "$repo"/tests/fixtures/*.txt "$corpus"/ 2>/dev/null || true ;;
    *) cp -n "$repo"/tests/fixtures/ingest/*.xml "$corpus"/ 2>/dev/null || true ;;
  esac
  echo "== fuzzing $target for ${seconds}s"
  cargo fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
done
