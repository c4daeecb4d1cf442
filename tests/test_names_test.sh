#!/usr/bin/env bash
# doctest_discover_tests turns each TEST_CASE into a ctest test by name. A ';' splits the name
# (a CMake list) and '[' or ']' unbalances it, and the split test then runs no case at all yet
# passes. This check keeps such names out.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bad=$(grep -rn --include='*_test.cpp' -E 'TEST_CASE\("[^"]*[][;]' "$root/tests" || true)
if [ -n "$bad" ]; then
  echo "test names must not contain ';', '[' or ']':"
  echo "$bad"
  exit 1
fi
echo "test names are safe for ctest discovery"
