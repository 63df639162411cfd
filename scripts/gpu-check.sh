#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, nvcc and CMake but no .NET SDK: builds kernels.fatbin with the
# local nvcc, then runs the published `dab check` (scripts/publish-gpu-check.sh makes it) against the
# GPU: every op's parity with the CPU (sort, top-k, k-means and the samplers included), our SGEMM
# against cuBLAS (4096^3 and 1024x256x128), the sort / top-k / k-means kernels at full size next to
# their baselines (Dab.Kernels/Gpu/OperatorBenchmark.cs), and a sort training step with and without
# graph replay. Results go to ${OUT:-build}/gpu-check.json.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=build/gpu-check
out=${OUT:-build}
mkdir -p "$out"
[ -x "$bin/dab" ] || { echo "missing $bin/dab: run scripts/publish-gpu-check.sh on a machine with the .NET SDK and carry build/gpu-check" >&2; exit 2; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
nvcc --version | tail -n 1
# The fatbin for this GPU, with the local nvcc (any host compiler it accepts).
cmake -S . -B build/gpu-native -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build/gpu-native -j "$(nproc)" --target dab_fatbin
cp build/gpu-native/kernels.fatbin "$bin/" 2>/dev/null || echo "no fatbin built: dab will compile kernels.cu with NVRTC"
"$bin/dab" info
"$bin/dab" check --device cuda --json "$out/gpu-check.json"
status=$?
echo "dab check exit code: $status (results in $out/gpu-check.json)"
exit $status
