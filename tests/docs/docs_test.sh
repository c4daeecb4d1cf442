#!/usr/bin/env bash
# docs_test.sh RINGCTL RINGD RINGNODE: the manual pages are well-formed (mandoc -T lint finds
# nothing, not even a style note); ringd(8) and ringnode(8) document every option their
# program's --help lists; and
# man/ringctl.1 documents every command and option that ringctl has, as its own command tree
# lists them (`ringctl completion list`): each command has an entry (.TP, then a tag line
# ".B PATH ..."), each option appears in an entry of its command or of one of its
# subcommands, and ringctl's own options in GLOBAL OPTIONS. Options are looked for as roff
# writes them: --num-tokens as \-\-num\-tokens. And README.md links every document (docs/,
# man/, every other README).
set -euo pipefail
ringctl=$1 ringd=$2 ringnode=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
page=$root/man/ringctl.1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for manual in "$root"/man/*.[1-8]; do
  mandoc -T lint "$manual" || fail "mandoc -T lint finds problems in $manual (style notes too, such as a text line over 80 bytes)"
done

# entries PATH: the text of every entry of the command PATH and of its subcommands; for ""
# (ringctl itself), the GLOBAL OPTIONS section.
entries() {
  if [[ -z $1 ]]; then
    awk '/^\.SH / { on = ($0 ~ /^\.SH GLOBAL OPTIONS/); next } on' "$page"
    return
  fi
  awk -v tag=".B $1" '
    /^\.(SH|SS) / { on = 0; want_tag = 0; next }
    /^\.TP/ { on = 0; want_tag = 1; next }
    want_tag { want_tag = 0; rest = substr($0, length(tag) + 1)
               on = substr($0, 1, length(tag)) == tag && (rest == "" || rest ~ /^[ \\]/) }
    on' "$page"
}
# documents TEXT NAME: whether TEXT names the option NAME as roff writes it.
documents() {
  local escaped=${2//-/\\\\-}
  grep -Eq -- "(^|[^-])${escaped}([^A-Za-z0-9-]|$)" <<< "$1"
}

# options_in_help PROGRAM: the option names in the first column of PROGRAM --help.
options_in_help() {
  "$1" --help | awk '/^ +-/ { print $1 }' | tr ',' '\n'
}
for program in "$ringd" "$ringnode"; do
  manual=$root/man/$(basename "$program").8
  names=$(options_in_help "$program")
  [ -n "$names" ] || fail "$program --help lists no options"
  for name in $names; do
    documents "$(cat "$manual")" "$name" || fail "man/$(basename "$manual") does not document $(basename "$program")'s option '$name'"
  done
done

# README.md links every document: docs/, the manual pages and every other README.
for document in $(cd "$root" && git ls-files 'docs/*.md' 'man/*.[1-8]' '*/README.md' 2>/dev/null); do
  grep -qF "($document)" "$root/README.md" || fail "README.md does not link $document"
done

listing=$("$ringctl" completion list)
[ -n "$listing" ] || fail "ringctl completion list printed nothing"
commands=0 options=0
while IFS= read -r line; do
  path=${line%%$'\t'*} names=${line#*$'\t'}  # read would drop ringctl's own empty PATH
  text=$(entries "$path")
  if [[ -z $names ]]; then
    commands=$((commands + 1))
    [ -n "$text" ] || fail "man/ringctl.1 has no entry for the command '$path' (.TP, then .B $path ...)"
    continue
  fi
  for name in $names; do
    [[ -n $path && $name == --help ]] && continue  # every command's --help: in GLOBAL OPTIONS
    options=$((options + 1))
    documents "$text" "$name" && continue
    if [[ -z $path ]]; then
      fail "man/ringctl.1 does not document ringctl's option '$name' in GLOBAL OPTIONS"
    else
      fail "man/ringctl.1 does not document the option '$name' in the entry of '$path' or of its subcommands"
    fi
  done
done <<< "$listing"

[ "$failures" -eq 0 ] && echo "man/ringctl.1 documents all $commands commands and $options option names;" \
  "ringd.8 and ringnode.8 every option of their --help"
exit "$failures"
