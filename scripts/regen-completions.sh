#!/usr/bin/env bash
# Writes completions/ from a built ringctl's command tree (`ringctl completion bash|zsh|fish`);
# run it after adding or changing a command or an option, and commit the result.
#   scripts/regen-completions.sh [RINGCTL]   (default: build/cli/ringctl)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ringctl=${1:-$root/build/cli/ringctl}
[ -x "$ringctl" ] || { echo "regen-completions: no ringctl at $ringctl (build it, or pass its path)" >&2; exit 1; }
# All three generated first, so that a failure leaves completions/ as it was.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ringctl" completion bash > "$work/ringctl.bash"
"$ringctl" completion zsh > "$work/_ringctl"
"$ringctl" completion fish > "$work/ringctl.fish"
mv "$work/ringctl.bash" "$work/_ringctl" "$work/ringctl.fish" "$root/completions/"
echo "regen-completions: wrote completions/ringctl.bash, completions/_ringctl, completions/ringctl.fish"
