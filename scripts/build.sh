#!/usr/bin/env bash
# Configures and builds into BUILD_DIR (default build/): everything, or the targets named in
# BUILD_TARGETS. Extra arguments go to CMake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
# ccache: paths relative to the checkout, so a fresh clone (CI) hits what another built; and
# the precompiled header's compilations cached too.
# CCACHE_NOHASHDIR: with -g ccache would key every object by the build directory, and a clone
# elsewhere would miss the cache entirely.
# CCACHE_MAXSIZE: the plain, sanitizer, fuzz and package builds together need more than the
# default 5 GB, or each CI run evicts what the next one would hit.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G} CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
ninja -C "$build_dir" ${BUILD_TARGETS:-}
