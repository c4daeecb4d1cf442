# bash completion for ringctl. Install: source it, or copy to /usr/share/bash-completion/completions/ringctl.
_ringctl() {
  local cur prev words cword
  _init_completion || return
  local commands="token getendpoints describering status ring lab"
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
    --dir) _filedir -d; return ;;
    --cl) COMPREPLY=($(compgen -W "ONE QUORUM ALL" -- "$cur")); return ;;
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
    lab)
      local lab_commands="up down kill stop start list stress verify" sub="" j
      for ((j = i + 1; j < cword; j++)); do
        [[ ${words[j]} != -* ]] && { sub=${words[j]}; break; }
      done
      if [[ -z $sub ]]; then
        [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--dir --help" -- "$cur")) ||
          COMPREPLY=($(compgen -W "$lab_commands" -- "$cur"))
        return
      fi
      case $sub in
        up) options+=" --nodes --dcs --racks --num-tokens --storage-port --native-port --timeout" ;;
        down) options+=" --purge" ;;
        start) options+=" --timeout" ;;
        stress) options+=" --rows --keyspace --cl --threads --value-size" ;;
        verify) options+=" --keyspace --cl --threads" ;;
      esac
      ;;
  esac
  [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$options" -- "$cur"))
}
complete -F _ringctl ringctl
