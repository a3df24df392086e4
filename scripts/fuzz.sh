#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (default 60 s each), seeded with
# the project's fixtures and the official IPTC examples in ../shared. Findings land
# in fuzz/artifacts/<target>/; turn each into a regression test next to the parser
# it broke.
#
#   scripts/fuzz.sh            every target, 60 s each
#   scripts/fuzz.sh 300 html   one target, 5 minutes
#
# One fuzzing process at a time (no -jobs/-workers): the machine is shared with
# the Kafka tests.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared="$repo/../shared"
seconds=${1:-60}
shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd "$repo/fuzz"
# cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)

fixtures="$repo/tests/fixtures"
iptc="$shared/iptc/examples"
[ -d "$iptc" ] || echo "SKIPPED: $iptc not found; seeding from tests/fixtures only" >&2

# seed CORPUS PREFIX FILE…: copies each existing FILE into CORPUS as PREFIX-name
# (the prefix keeps same-named files from different folders apart).
seed() {
  local corpus=$1 prefix=$2 file out
  shift 2
  for file in "$@"; do
    out="$corpus/$prefix-$(basename "$file")"
    if [ -f "$file" ] && [ ! -e "$out" ]; then cp "$file" "$out"; fi
  done
  return 0
}

# seed_typed CORPUS BYTE FILE…: as seed, with one leading byte (ingest_prepare's
# Content-Type pick) before the file's bytes.
seed_typed() {
  local corpus=$1 byte=$2 file out
  shift 2
  for file in "$@"; do
    out="$corpus/type$byte-$(basename "$file")"
    if [ -f "$file" ] && [ ! -e "$out" ]; then { printf "\\x$(printf %02x "$byte")"; cat "$file"; } >"$out"; fi
  done
  return 0
}

# HTML pages of the extraction dev set small enough to mutate quickly (the largest are 1 MB).
small_pages() {
  [ -d "$shared/extraction-dev/html" ] && find "$shared/extraction-dev/html" -name '*.html' -size -64k | sort
  return 0
}

for target in "${targets[@]}"; do
  corpus=corpus/$target
  mkdir -p "$corpus"
  case "$target" in
    normalize_ninjs)
      seed "$corpus" fx "$fixtures"/ingest/*.json "$fixtures"/normalize/*.json "$fixtures"/enrich/*.json
      seed "$corpus" iptc "$iptc"/ninjs/*.json ;;
    normalize_newsml_g2 | normalize_nitf | normalize_rss_item | normalize_atom_entry)
      # Every XML fixture: the parsers find their element inside other roots too
      # (a newsItem in a newsMessage, NITF inline in a NewsML-G2 item).
      seed "$corpus" fx "$fixtures"/ingest/*.xml "$fixtures"/normalize/*.xml
      seed "$corpus" iptc "$iptc"/newsml-g2/*.xml ;;
    normalize_anpa)
      seed "$corpus" fx "$fixtures"/ingest/iptc7901.txt "$fixtures"/normalize/anpa-story.txt ;;
    normalize_html)
      seed "$corpus" fx "$fixtures"/ingest/*.html
      mapfile -t pages < <(small_pages)
      seed "$corpus" dev "${pages[@]}" ;;
    normalize_scraped_text)
      seed "$corpus" fx "$fixtures"/*.txt "$fixtures"/ingest/scraped-text.txt "$fixtures"/ner/*.txt
      seed "$corpus" dev "$shared"/extraction-dev/text/*.txt ;;
    dates)
      # First byte: the zone (see newswire_fuzz::ZONES); the rest: a time as feeds write them.
      i=0
      for t in "2022-02-14T16:23:00Z" "2022-02-14T16:23:00.123-05:00" "Mon, 14 Feb 2022 16:23:00 GMT" \
        "20161019T111500-0500" "20220214T1623+0100" "2022-07-01T12:00:00" "2022-07-01 12:00" "20220701" \
        "February 14, 2022, 4:23 p.m." "14 February 2022, 16:23" "March 27, 2022, 1:30 am" "1850-06-01"; do
        [ -e "$corpus/seed-$i" ] || printf '%b%s' "\\x$(printf %02x $((i % 8)))" "$t" >"$corpus/seed-$i"
        i=$((i + 1))
      done ;;
    ingest_prepare)
      # First byte: the Content-Type (index into the target's TYPES).
      seed_typed "$corpus" 0 "$fixtures"/ingest/*.json "$fixtures"/normalize/*.json "$iptc"/ninjs/*.json
      seed_typed "$corpus" 1 "$fixtures"/ingest/*.xml "$fixtures"/normalize/*.xml "$iptc"/newsml-g2/*.xml
      seed_typed "$corpus" 2 "$fixtures"/ingest/rss-*.xml
      seed_typed "$corpus" 3 "$fixtures"/ingest/atom-*.xml
      seed_typed "$corpus" 4 "$fixtures"/ingest/nitf.xml
      seed_typed "$corpus" 5 "$fixtures"/ingest/newsml-g2-*.xml
      seed_typed "$corpus" 6 "$fixtures"/ingest/*.html
      seed_typed "$corpus" 8 "$fixtures"/ingest/scraped-text.txt
      seed_typed "$corpus" 9 "$fixtures"/ingest/iptc7901.txt "$fixtures"/normalize/anpa-story.txt ;;
    *) seed "$corpus" fx "$fixtures"/ingest/*.xml ;;
  esac
  echo "== fuzzing $target for ${seconds}s"
  cargo fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
done
