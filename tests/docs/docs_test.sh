#!/usr/bin/env bash
# The man page and the shell completions stay in step with ringctl's commands: every command
# that `ringctl --help` lists must appear in each of them, and each must be well-formed.
set -euo pipefail
ringctl=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

commands=$("$ringctl" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1}')
[ -n "$commands" ] || fail "no commands found in ringctl --help"

for page in "$root"/man/*.[18]; do
  mandoc -Tlint -W warning "$page" || fail "mandoc finds problems in $page"
done
bash -n "$root/completions/ringctl.bash" || fail "completions/ringctl.bash does not parse"
for command in $commands; do
  grep -q "^\.B $command\b" "$root/man/ringctl.1" || fail "man/ringctl.1 does not document '$command'"
  for file in ringctl.bash _ringctl ringctl.fish; do
    grep -qw "$command" "$root/completions/$file" || fail "completions/$file does not complete '$command'"
  done
done

# bash completion, exercised: the first word completes to the commands.
if [ -f /usr/share/bash-completion/bash_completion ]; then
  got=$(bash -c "source /usr/share/bash-completion/bash_completion; source '$root/completions/ringctl.bash';
    COMP_WORDS=(ringctl st); COMP_CWORD=1; COMP_LINE='ringctl st'; COMP_POINT=\${#COMP_LINE};
    _ringctl; echo \"\${COMPREPLY[*]}\"")
  [ "$got" = "status" ] || fail "bash completion of 'ringctl st' gave '$got', expected 'status'"
  got=$(bash -c "source /usr/share/bash-completion/bash_completion; source '$root/completions/ringctl.bash';
    COMP_WORDS=(ringctl -o j); COMP_CWORD=2; COMP_LINE='ringctl -o j'; COMP_POINT=\${#COMP_LINE};
    _ringctl; echo \"\${COMPREPLY[*]}\"")
  [ "$got" = "json" ] || fail "bash completion of 'ringctl -o j' gave '$got', expected 'json'"
  got=$(bash -c "source /usr/share/bash-completion/bash_completion; source '$root/completions/ringctl.bash';
    COMP_WORDS=(ringctl lab st); COMP_CWORD=2; COMP_LINE='ringctl lab st'; COMP_POINT=\${#COMP_LINE};
    _ringctl; echo \"\${COMPREPLY[*]}\"")
  [ "$got" = "stop start stress" ] || fail "bash completion of 'ringctl lab st' gave '$got'"
else
  fail "bash-completion is not installed"
fi
[ "$failures" -eq 0 ] && echo "docs and completions cover: $(echo $commands)"
exit "$failures"
