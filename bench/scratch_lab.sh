# Sourced by the bench scripts that start a ringctl lab beside one helper process (a server, a
# Prometheus): a temporary directory $work; the lab's directory $work/lab, registered in a
# temporary cluster config ($RINGCTL_CONFIG, so nobody's own config is touched) and no token
# from the environment; and an EXIT trap that stops the helper ($helper_pid, once set), takes
# the lab down and removes $work, also on failure. Needs $ringctl.
#
#   source "$here/scratch_lab.sh" NAME     (NAME names the temporary directory)
work=$(mktemp -d -t "$1.XXXXXX")
export RINGCTL_CONFIG=$work/clusters.yaml
unset RINGCTL_TOKEN
helper_pid=
stop_scratch_lab() {
  if [ -n "$helper_pid" ]; then
    kill "$helper_pid" 2>/dev/null || true
    wait "$helper_pid" 2>/dev/null || true
  fi
  "$ringctl" lab --dir "$work/lab" down --purge >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop_scratch_lab EXIT
