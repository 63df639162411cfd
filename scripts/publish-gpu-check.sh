#!/usr/bin/env bash
# Builds what a GPU machine without the .NET SDK needs to run `dab check`: a self-contained, trimmed
# linux-x64 `dab` in build/gpu-check/ (with the emulated device, so it can be tried here first).
# Then carry build/gpu-check with the working tree and run scripts/gpu-check.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/gpu-check
rm -rf "$out"
dotnet publish Dab.Cli -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -p:TrimMode=partial \
  -p:InvariantGlobalization=true -p:DebugType=none -o "$out" --nologo -v quiet
size=$(du -sm "$out" | cut -f1)
echo "published $out: ${size} MiB"
if [ "$size" -ge 60 ]; then echo "too large to carry (limit 64 MiB)" >&2; exit 1; fi
"$out/dab" check --device emu --filter unary/Tanh --no-bench
