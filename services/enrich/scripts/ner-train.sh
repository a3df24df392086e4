#!/usr/bin/env bash
# Rebuilds services/enrich/data/ner-model.bin from CoNLL-2003 and prints its
# scores (entity-level P/R/F1 per type on dev and test) and its speed.
#
#   services/enrich/scripts/ner-train.sh [CORPUS_DIR] [extra ner-train options]
#
# CORPUS_DIR (default services/enrich/data/conll2003) holds train.txt, valid.txt
# and test.txt; see the README there. Training takes a few seconds on one core.
# Evaluate the shipped model alone with:
#   cargo run --release -p newswire-enrich --features training --bin ner-train -- --eval-only \
#     --model services/enrich/data/ner-model.bin --test CORPUS_DIR/test.txt
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
corpus="${1:-$root/services/enrich/data/conll2003}"
shift || true
for split in train valid test; do
  if [[ ! -f "$corpus/$split.txt" ]]; then
    echo "missing $corpus/$split.txt: see services/enrich/data/conll2003/README.md" >&2
    exit 1
  fi
done
cd "$root"
exec cargo run --release -p newswire-enrich --features training --bin ner-train -- \
  --train "$corpus/train.txt" --dev "$corpus/valid.txt" --test "$corpus/test.txt" \
  --out services/enrich/data/ner-model.bin \
  --bench tests/fixtures/pa-truss-lavrov-2022-02-14.txt "$@"
