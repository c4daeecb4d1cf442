# zsh -f zsh_complete.zsh COMPLETION_DIR LINE...: what zsh's completion offers at the end of
# each LINE, typed into a real interactive zsh (on a pseudo-terminal, zsh/zpty) with the
# completion from COMPLETION_DIR: one output line per LINE, its matches sorted and separated
# by spaces. Exits 1 when the shell does not finish a completion within 20 s.
zmodload zsh/zpty
completion_dir=$1
shift
capture_file=$(mktemp)
trap 'rm -f $capture_file' EXIT
zpty shell zsh -f -i
zpty -w shell "completion_dir=${(q)completion_dir} capture_file=${(q)capture_file}; source ${(q)0:A:h}/zsh_capture.zsh"
for line in "$@"; do
  : > $capture_file
  zpty -w shell 'comppostfuncs=(capture_done)'  # compsys empties the array after each use
  zpty -w -n shell "$line"$'\t'
  local -i waited=0
  until grep -q -- '^-- end --$' $capture_file; do
    (( waited++ < 400 )) || { print -u2 "zsh did not complete '$line' within 20 s"; exit 1 }
    sleep 0.05
  done
  print -r -- ${(j: :)${(ou)${(f)"$(grep -v -- '^-- end --$' $capture_file)"}}}
  zpty -w -n shell $'\C-u'  # clear the line for the next one
done
zpty -d shell
