#!/usr/bin/env bash
# Installs Debian's CUDA toolkit (nvcc 11.8, in the non-free component) and clang-14, the host
# compiler that nvcc 11.8 accepts. Idempotent; needs root. Used by .ci/run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if command -v nvcc >/dev/null 2>&1 && command -v clang++-14 >/dev/null 2>&1; then exit 0; fi
src=/etc/apt/sources.list.d/dab-non-free.sources
if [ ! -f "$src" ]; then
  cat > "$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends nvidia-cuda-toolkit clang-14 >/dev/null
nvcc --version | tail -n 2
