#!/usr/bin/env bash
# Configures and builds into BUILD_DIR (default build/): everything, or the targets named in
# BUILD_TARGETS. Extra arguments go to CMake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
ninja -C "$build_dir" ${BUILD_TARGETS:-}
