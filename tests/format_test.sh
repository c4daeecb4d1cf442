#!/usr/bin/env bash
# Every C++ file of the project is formatted as .clang-format says, so a diff shows changes, not
# reformatting. Fix with: git ls-files '*.cpp' '*.h' | xargs clang-format-14 -i
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$format" ]; then
  echo "clang-format-14 is not installed (scripts/install-deps.sh test installs it)"
  exit 1
fi
unformatted=()
while IFS= read -r file; do
  "$format" --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find . -name '*.cpp' -o -name '*.h')
if [ "${#unformatted[@]}" -gt 0 ]; then
  echo "not formatted as .clang-format says (fix: clang-format-14 -i FILE):"
  printf '  %s\n' "${unformatted[@]}"
  exit 1
fi
echo "every C++ file is formatted"
