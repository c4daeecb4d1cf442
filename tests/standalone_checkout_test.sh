#!/usr/bin/env bash
# A fresh clone stands alone. Clones the committed HEAD of the checkout this script is in into
# an empty temporary directory (no sibling folder beside it to read), configures it with tests
# and benches off, builds ringctl, ringd and ringnode with the clone's own scripts/build.sh, and
# runs each one's --version, which must print the version of project() in CMakeLists.txt.
# Extra arguments go to CMake (ctest passes the enclosing build's -DRINGCTL_WERROR).
# Exit 0 when all holds, 1 naming what failed, 77 (skipped) outside a git checkout.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)

if ! head=$(git -C "$source_dir" rev-parse --verify --quiet HEAD); then
  echo "standalone_checkout: $source_dir is not a git checkout with a commit; nothing to clone" >&2
  exit 77
fi
if [ -n "$(git -C "$source_dir" status --porcelain --untracked-files=no)" ]; then
  echo "standalone_checkout: note: testing the committed HEAD $head; uncommitted changes are not part of it"
fi

work=$(mktemp -d -t ringctl-checkout.XXXXXX)
build_log=$(mktemp -t ringctl-checkout-build.XXXXXX)  # not beside the clone
trap 'rm -rf "$work" "$build_log"' EXIT
clone=$work/ringctl
fail() { echo "standalone_checkout: FAIL: $*" >&2; exit 1; }

git clone --quiet --no-checkout "$source_dir" "$clone"
git -C "$clone" checkout --quiet --detach "$head"
beside=$(ls -A "$work" | grep -vx ringctl || true)
[ -z "$beside" ] || fail "the clone is not alone in $work: $beside"

version=$(sed -n 's/^project(ringctl VERSION \([0-9][0-9.]*\) .*/\1/p' "$clone/CMakeLists.txt")
[ -n "$version" ] || fail "no project(ringctl VERSION ...) line in CMakeLists.txt"

# With -g, ccache keys each compilation by its directory unless told otherwise; without that
# every run of this test, in a new temporary directory, would compile everything again.
export CCACHE_NOHASHDIR=1
started=$SECONDS
BUILD_DIR=$clone/build BUILD_TARGETS="ringctl ringd ringnode" "$clone/scripts/build.sh" \
  -DRINGCTL_TESTS=OFF -DRINGCTL_BENCH=OFF "$@" >"$build_log" 2>&1 ||
  { tail -40 "$build_log" >&2; fail "configure or build of the clone failed (last lines above)"; }
echo "standalone_checkout: configured and built ringctl, ringd and ringnode in $((SECONDS - started)) s"

# Nothing of the build may point back into the checkout it was cloned from.
if grep -qF "$source_dir/" "$clone/build/CMakeCache.txt" "$clone/build/build.ninja"; then
  fail "the clone's build refers to $source_dir"
fi

for program in cli/ringctl agent/ringd labnode/ringnode; do
  name=${program##*/}
  printed=$("$clone/build/$program" --version) || fail "$name --version exited $?"
  [ "$printed" = "$name $version" ] || fail "$name --version printed '$printed', expected '$name $version'"
  echo "standalone_checkout: $printed"
done
