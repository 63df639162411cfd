#!/usr/bin/env bash
# One training step of the Signum-Dense sort model: Dab ('dab bench sort-step') against PyTorch
# (scripts/sort_step_pytorch.py, the same layers, loss, optimiser and batch), with 1 and 2 threads,
# run alternately (PyTorch, Dab, PyTorch, Dab, ...) so that other work on a shared machine hits both
# alike. Prints every run, then the best time per step of each and the ratio Dab / PyTorch.
#
#   bash scripts/bench-vs-pytorch.sh [--length T] [--batch B] [--latent N] [--steps N] [--rounds R]
#
# Installs Debian's python3-torch (and OpenBLAS, which it uses) when missing. Debian's OpenBLAS 0.3.21
# does not recognise these virtualised AVX-512 processors and falls back to SSE3 kernels; PyTorch gets
# its fastest kernels (OPENBLAS_CORETYPE=SkylakeX where AVX-512 runs, else Haswell) unless
# OPENBLAS_CORETYPE is already set to something else than Haswell.
set -euo pipefail
cd "$(dirname "$0")/.."

length=10 batch=1024 latent=256 steps=40 warmup=10 rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --length) length=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --latent) latent=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench-vs-pytorch: unknown option $1" >&2; exit 2 ;;
  esac
done

PY=/usr/bin/python3   # Debian's python, where python3-torch installs (not a pyenv shim)
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "installing Debian's python3-torch (large, once)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-torch libopenblas0-pthread >/dev/null
fi

if [ -z "${OPENBLAS_CORETYPE:-}" ] || [ "${OPENBLAS_CORETYPE}" = "Haswell" ]; then
  if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; else export OPENBLAS_CORETYPE=Haswell; fi
fi
unset OPENBLAS_L2_SIZE

dotnet build Dab.Cli -c Release --nologo -v q >/dev/null
DAB=(dotnet Dab.Cli/bin/Release/net10.0/dab.dll)

common=(--length "$length" --batch "$batch" --latent "$latent" --steps "$steps" --warmup "$warmup")
field() { "$PY" -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

declare -A best
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "torch $("$PY" -c 'import torch; print(torch.__version__)'), OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE; T=$length batch $batch latent $latent, $steps timed steps after $warmup, $rounds rounds"
for round in $(seq 1 "$rounds"); do
  for threads in 1 2; do
    for who in pytorch dab; do
      if [ "$who" = pytorch ]; then
        out=$(OMP_NUM_THREADS=$threads "$PY" scripts/sort_step_pytorch.py "${common[@]}" --threads "$threads")
      else
        out=$("${DAB[@]}" bench sort-step "${common[@]}" --threads "$threads" --json)
      fi
      b=$(echo "$out" | field ms_per_step_best)
      m=$(echo "$out" | field ms_per_step)
      printf 'round %d  %-7s %d thread(s): best %8.2f ms/step, mean %8.2f\n' "$round" "$who" "$threads" "$b" "$m"
      key="$who-$threads"
      if [ -z "${best[$key]:-}" ] || awk "BEGIN{exit !($b < ${best[$key]})}"; then best[$key]=$b; fi
    done
  done
done

echo
echo "| threads | PyTorch best ms/step | Dab best ms/step | Dab / PyTorch |"
echo "| --- | --- | --- | --- |"
for threads in 1 2; do
  p=${best[pytorch-$threads]} d=${best[dab-$threads]}
  awk -v t="$threads" -v p="$p" -v d="$d" 'BEGIN{printf "| %d | %.2f | %.2f | %.2f |\n", t, p, d, d/p}'
done
p=$(printf '%s\n' "${best[pytorch-1]}" "${best[pytorch-2]}" | sort -g | head -1)
d=$(printf '%s\n' "${best[dab-1]}" "${best[dab-2]}" | sort -g | head -1)
awk -v p="$p" -v d="$d" 'BEGIN{printf "best of either thread count: PyTorch %.2f ms, Dab %.2f ms, ratio %.2f (target <= 0.67)\n", p, d, d/p}'
