# Sourced by zsh_complete.zsh inside an interactive `zsh -f` on a pseudo-terminal: loads the
# completion system with $completion_dir first on $fpath, and writes every match that the
# completion functions add to $capture_file, then "-- end --" when a completion is over.
PROMPT='' RPROMPT=''
fpath=($completion_dir $fpath)
autoload -Uz compinit && compinit -u -D
bindkey '^I' complete-word
zstyle ':completion:*' insert-tab false

# compadd as compsys calls it, also writing down the matches it adds. Calls that only ask for
# the matches (-O, -A or -D ARRAY) pass straight through.
compadd() {
  local -a options=("${@[1,${@[(i)--]}-1]}") hits
  if (( ${options[(I)-[OAD]*]} )); then
    builtin compadd "$@"
    return
  fi
  builtin compadd -A hits "$@"
  (( $#hits )) && print -rl -- $hits >> $capture_file
  builtin compadd "$@"
}
capture_done() { print -r -- '-- end --' >> $capture_file; }
