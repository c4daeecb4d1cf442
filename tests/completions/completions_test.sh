#!/usr/bin/env bash
# completions_test.sh RINGCTL: the files in completions/ are what `ringctl completion SHELL`
# prints, and each, loaded in its real shell, completes commands, subcommands, options and
# option values, also after an option's value (`-h HOST:PORT`, `lab --dir DIR`) and with the
# global options after a subcommand. The expected words come from the binary's own command tree
# (`ringctl completion list`), so that every shell is held to the CLI itself.
set -euo pipefail
ringctl=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The files are the generator's output.
declare -A files=([bash]=ringctl.bash [zsh]=_ringctl [fish]=ringctl.fish)
for shell in bash zsh fish; do
  "$ringctl" completion "$shell" > "$work/generated"
  if ! diff -u "$root/completions/${files[$shell]}" "$work/generated" > "$work/diff"; then
    head -40 "$work/diff"
    fail "completions/${files[$shell]} differs from \`ringctl completion $shell\`: regenerate with" \
      "scripts/regen-completions.sh $ringctl"
  fi
done

# 2. What the command tree says each line should offer.
listing=$("$ringctl" completion list)
# subcommands PATH: the subcommands of the command PATH ("" for ringctl itself).
subcommands() {
  awk -F'\t' -v path="$1" '$2 == "" {
    parent = $1; sub(/ ?[^ ]+$/, "", parent); name = $1; sub(/.* /, "", name)
    if (parent == path) print name }' <<< "$listing"
}
# options PATH: the options the command PATH accepts: its own and its parents' (all of
# ringctl's commands let their parents' options through).
options() {
  local path=$1
  while :; do
    awk -F'\t' -v path="$path" '$1 == path && $2 != "" { n = split($2, names, " "); for (i = 1; i <= n; i++) print names[i] }' <<< "$listing"
    [[ -z $path ]] && break
    [[ $path == *" "* ]] && path=${path% *} || path=""
  done
}
# starting PREFIX: the words of stdin that start with PREFIX, sorted, unique, on one line.
starting() { awk -v p="$1" 'index($0, p) == 1' | sort -u | paste -sd' ' -; }

mkdir -p "$work/files/subdir"
# --cluster completes the cluster config's names, which the scripts ask of `ringctl` itself.
printf 'default: prod\nclusters:\n  prod:\n    agents: ["127.0.0.1:7070"]\n  lab:\n    agents: ["127.0.0.2:7070"]\n' \
  > "$work/clusters.yaml"
export RINGCTL_CONFIG=$work/clusters.yaml PATH=$(cd "$(dirname "$ringctl")" && pwd):$PATH
# Playbook names, which the scripts also ask of `ringctl`: shipped ones and the operator's own.
mkdir -p "$work/shipped" "$work/config/ringctl/playbooks"
touch "$work/shipped/scale-up.yaml" "$work/shipped/scale-down.yaml" "$work/shipped/repair.yaml" \
  "$work/config/ringctl/playbooks/my-check.yaml"
export RINGCTL_PLAYBOOKS_DIR=$work/shipped XDG_CONFIG_HOME=$work/config
: > "$work/files/snapshot.json"
[[ "$(subcommands lab | starting st)" == "start stop stress" ]] || fail "the listing's lab commands: $(subcommands lab | paste -sd' ' -)"
[[ "$(options "lab up" | starting --d)" == "--dcs --dir --disk-capacity" ]] || fail "the listing's lab up options: $(options "lab up" | paste -sd' ' -)"
lines=() expected=()
case_() { lines+=("$1"); expected+=("$2"); }
case_ "ringctl st"                                "$(subcommands "" | starting st)"
case_ "ringctl "                                  "$(subcommands "" | starting "")"
case_ "ringctl lab st"                            "$(subcommands lab | starting st)"
case_ "ringctl lab "                              "$(subcommands lab | starting "")"
case_ "ringctl -o j"                              "json"
case_ "ringctl status -o y"                       "yaml"
case_ "ringctl lab --output=y"                    "yaml"
case_ "ringctl lab stress --cl Q"                 "QUORUM"
case_ "ringctl health --fail-on "                 "critical warn"
case_ "ringctl -h 127.0.0.1:7070 st"              "$(subcommands "" | starting st)"
case_ "ringctl -h 127.0.0.1:7070 lab st"          "$(subcommands lab | starting st)"
case_ "ringctl lab --dir $work/files st"          "$(subcommands lab | starting st)"
case_ "ringctl -o json lab --dir $work/files up --n" "$(options "lab up" | starting --n)"
case_ "ringctl --"                                "$(options "" | starting --)"
case_ "ringctl status --c"                        "$(options status | starting --c)"
case_ "ringctl lab up --d"                        "$(options "lab up" | starting --d)"
case_ "ringctl lab up -"                          "$(options "lab up" | starting -)"
case_ "ringctl repair --"                         "$(options repair | starting --)"
case_ "ringctl lab --dir $work/files/"            "subdir"
case_ "ringctl status --ring $work/files/"        "snapshot.json subdir"
case_ "ringctl completion "                       "bash clusters fish list playbooks zsh"
case_ "ringctl --cluster p"                       "prod"
case_ "ringctl status --cluster "                 "lab prod"
case_ "ringctl playbook run "                      "my-check repair scale-down scale-up"
case_ "ringctl playbook show sc"                   "scale-down scale-up"
case_ "ringctl playbook run --yes sc"              "scale-down scale-up"

# Each shell prints, per line, its matches; compared without a directory part, a trailing /
# or the --option= that fish repeats.
basenames() { sed -E 's#/$##; s#.*/##; s#^--[a-z-]+=##'; }

bash_offers() {
  local line=$1
  # bash splits the line into COMP_WORDS at blanks and at COMP_WORDBREAKS (: and = among them),
  # each break a word of its own, as readline hands them to a completion function.
  local split_line
  split_line=$(sed -E 's/[:=]/ & /g' <<< "$line")
  bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion
    source "$1"
    read -ra COMP_WORDS <<< "$2"
    [[ $3 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$3 COMP_POINT=${#3}
    _ringctl
    printf "%s\n" "${COMPREPLY[@]}"' bash "$root/completions/ringctl.bash" "$split_line" "$line" |
    basenames | starting ""
}

check_shell() {
  local shell=$1; shift
  local i
  for i in "${!lines[@]}"; do
    [[ "${1-}" == "${expected[i]}" ]] || fail "$shell completes '${lines[i]}' to '${1-}', expected '${expected[i]}'"
    shift || true
  done
}

# 3. bash, with the bash-completion package.
if [ -f /usr/share/bash-completion/bash_completion ]; then
  bash -n "$root/completions/ringctl.bash" || fail "completions/ringctl.bash does not parse"
  got=()
  for line in "${lines[@]}"; do got+=("$(bash_offers "$line")"); done
  check_shell bash "${got[@]}"
else
  fail "bash-completion is not installed (scripts/install-deps.sh test)"
fi

# 4. zsh: typed into an interactive zsh on a pseudo-terminal.
if command -v zsh > /dev/null; then
  zsh -n "$root/completions/_ringctl" || fail "completions/_ringctl does not parse"
  mapfile -t got < <(zsh -f "$here/zsh_complete.zsh" "$root/completions" "${lines[@]}" | while IFS= read -r l; do
    tr ' ' '\n' <<< "$l" | basenames | starting ""; done)
  check_shell zsh "${got[@]}"
else
  fail "zsh is not installed (scripts/install-deps.sh test)"
fi

# 5. fish: its own `complete -C`.
if command -v fish > /dev/null; then
  fish -n "$root/completions/ringctl.fish" || fail "completions/ringctl.fish does not parse"
  mapfile -t got < <(fish --no-config -c 'source $argv[1]
    for line in $argv[2..-1]
      complete -C "$line" | string replace -r "\t.*" "" | string join " "
    end' "$root/completions/ringctl.fish" "${lines[@]}" | while IFS= read -r l; do
    tr ' ' '\n' <<< "$l" | basenames | starting ""; done)
  check_shell fish "${got[@]}"
else
  fail "fish is not installed (scripts/install-deps.sh test)"
fi

[ "$failures" -eq 0 ] && echo "completions: ${#lines[@]} lines checked in bash, zsh and fish"
exit "$failures"
