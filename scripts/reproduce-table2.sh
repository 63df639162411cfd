#!/usr/bin/env bash
# Reproduces the paper's Table II (section IV-A) and Fig. 6 (pondering) on this machine's CPU and
# writes the report. Budgets are set by environment variables so a laptop can run a reduced version:
#   STEPS (dense models, default 15000), RNN_STEPS (default 6000), SEEDS (default 3),
#   LENGTHS (default "5"), LONG_LENGTHS (T>5 runs for Signum-Dense and ELU-Dense, default "10 15"),
#   LONG_STEPS (default 30000), PONDERS (Fig. 6 sweep for the RNN at T=5, default "" = skip), OUT (default runs/table2).
# Every run checkpoints; rerunning the script resumes unfinished runs and skips finished ones.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-15000}; RNN_STEPS=${RNN_STEPS:-6000}; SEEDS=${SEEDS:-3}
LENGTHS=${LENGTHS:-5}; LONG_LENGTHS=${LONG_LENGTHS:-"10 15"}; LONG_STEPS=${LONG_STEPS:-30000}
PONDERS=${PONDERS:-}; OUT=${OUT:-runs/table2}
# DAB: a built dab.dll to use (default: build Dab.Cli here)
if [ -z "${DAB:-}" ]; then dotnet build Dab.Cli -c Release -v q -nologo >/dev/null; DAB=Dab.Cli/bin/Release/net10.0/dab.dll; fi
dab() { dotnet "$DAB" "$@"; }

run() { # run DIR ARGS...: a seed sweep, resumed if it was started before
  local dir=$1; shift
  if [ -f "$dir/results.json" ] && ! grep -q '"interrupted": true' "$dir/results.json"; then echo "done: $dir"; return; fi
  if [ -d "$dir" ]; then dab sort --resume "$dir"; else dab sort "$@" --seeds "$SEEDS" --out "$dir"; fi
}

for T in $LENGTHS; do
  run "$OUT/t$T-signum-dense" --length "$T" --steps "$STEPS"
  run "$OUT/t$T-signum-dense-ste" --length "$T" --steps "$STEPS" --estimator ste
  run "$OUT/t$T-elu-dense" --length "$T" --steps "$STEPS" --model elu-dense
  run "$OUT/t$T-tanh-dense" --length "$T" --steps "$STEPS" --model tanh-dense
  run "$OUT/t$T-signum-rnn" --length "$T" --steps "$RNN_STEPS" --model rnn
done
for T in $LONG_LENGTHS; do
  SEEDS=1 run "$OUT/t$T-signum-dense" --length "$T" --steps "$LONG_STEPS"
  SEEDS=1 run "$OUT/t$T-elu-dense" --length "$T" --steps "$LONG_STEPS" --model elu-dense
done
for P in $PONDERS; do
  run "$OUT/t5-signum-rnn-ponder$P" --length 5 --steps "$RNN_STEPS" --model rnn --ponder "$P"
done
dab report sort "$OUT" --out "$OUT/report"
