# fish completion for ringctl. Install: copy to ~/.config/fish/completions/ringctl.fish.
set -l commands token getendpoints describering status ring
complete -c ringctl -f
complete -c ringctl -s o -l output -x -a "table json yaml" -d "Output format"
complete -c ringctl -l help -d "Print help"
complete -c ringctl -l version -d "Print the version"
complete -c ringctl -n "not __fish_seen_subcommand_from $commands" -a token -d "Murmur3 token of each key"
complete -c ringctl -n "not __fish_seen_subcommand_from $commands" -a getendpoints -d "Replicas of a key"
complete -c ringctl -n "not __fish_seen_subcommand_from $commands" -a describering -d "Token ranges and replicas"
complete -c ringctl -n "not __fish_seen_subcommand_from $commands" -a status -d "Node state, load, ownership"
complete -c ringctl -n "not __fish_seen_subcommand_from $commands" -a ring -d "Every token with its node"
complete -c ringctl -n "__fish_seen_subcommand_from getendpoints describering status ring" -l ring -r -F -d "Ring snapshot file"
complete -c ringctl -n "__fish_seen_subcommand_from token getendpoints" -l hex -d "Keys are hex bytes"
