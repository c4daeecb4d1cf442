# bash completion for ringctl. Install: source it, or copy to /usr/share/bash-completion/completions/ringctl.
_ringctl() {
  local cur prev words cword
  _init_completion || return
  local commands="token getendpoints describering status ring netstats info gossipinfo decommission removenode cleanup repair lab health plan rebalance"
  local command="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -o|--output|-h|--host|--cluster|--token|--cacert) ((i++)) ;;
      -*) ;;
      *) command=${words[i]}; break ;;
    esac
  done
  case $prev in
    -o|--output) COMPREPLY=($(compgen -W "table json yaml" -- "$cur")); return ;;
    --ring) _filedir json; return ;;
    --dir) _filedir -d; return ;;
    --cacert) _filedir; return ;;
    --cluster)
      local config=${RINGCTL_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/ringctl/clusters.yaml}
      [[ -r $config ]] && COMPREPLY=($(compgen -W "$(awk '/^clusters:/{on=1; next} on && /^  [^ #][^:]*:/{sub(/^  /, ""); sub(/:.*/, ""); print}' "$config")" -- "$cur"))
      return ;;
    --cl) COMPREPLY=($(compgen -W "ONE QUORUM ALL" -- "$cur")); return ;;
  esac
  if [[ -z $command ]]; then
    COMPREPLY=($(compgen -W "$commands -o --output -h --host --cluster --token --cacert --help --version" -- "$cur"))
    return
  fi
  local options="--help"
  case $command in
    token) options+=" --hex" ;;
    getendpoints) options+=" --ring --hex" ;;
    describering|status|ring) options+=" --ring" ;;
    netstats) options+=" -H --human-readable" ;;
    info) options+=" -T --tokens" ;;
    decommission) options+=" --force --wait --timeout" ;;
    removenode)
      [[ $cur != -* ]] && { COMPREPLY=($(compgen -W "status" -- "$cur")); return; }
      options+=" --wait --timeout" ;;
    cleanup) options+=" --wait --timeout" ;;
    repair) options+=" --pr --partitioner-range --st --start-token --et --end-token --wait --timeout" ;;
    lab)
      local lab_commands="up add down kill stop start list stress verify" sub="" j
      for ((j = i + 1; j < cword; j++)); do
        [[ ${words[j]} != -* ]] && { sub=${words[j]}; break; }
      done
      if [[ -z $sub ]]; then
        [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--dir --help" -- "$cur")) ||
          COMPREPLY=($(compgen -W "$lab_commands" -- "$cur"))
        return
      fi
      case $sub in
        up) options+=" --nodes --dcs --racks --num-tokens --storage-port --native-port --agent-port --no-agents --timeout" ;;
        add) options+=" --dc --timeout --stream-throughput" ;;
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
