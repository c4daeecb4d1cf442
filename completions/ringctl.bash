# bash completion for ringctl. Install: source it, or copy to /usr/share/bash-completion/completions/ringctl.
_ringctl() {
  local cur prev words cword
  _init_completion || return
  local commands="token getendpoints describering status ring"
  local command="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -o|--output) ((i++)) ;;
      -*) ;;
      *) command=${words[i]}; break ;;
    esac
  done
  case $prev in
    -o|--output) COMPREPLY=($(compgen -W "table json yaml" -- "$cur")); return ;;
    --ring) _filedir json; return ;;
  esac
  if [[ -z $command ]]; then
    COMPREPLY=($(compgen -W "$commands -o --output --help --version" -- "$cur"))
    return
  fi
  local options="--help"
  case $command in
    token) options+=" --hex" ;;
    getendpoints) options+=" --ring --hex" ;;
    describering|status|ring) options+=" --ring" ;;
  esac
  [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$options" -- "$cur"))
}
complete -F _ringctl ringctl
