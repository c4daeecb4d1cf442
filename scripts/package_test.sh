#!/usr/bin/env bash
# The .deb packages, built and tried as an operator would: builds ringctl, ringd and ringnode
# (RelWithDebInfo, stripped by CPack; tests and benchmarks off) into build-pkg/, makes the
# packages with CPack, runs lintian (an error fails; warnings are listed), installs them with
# apt-get, runs each program, checks ringd's unit (systemd-analyze verify and security) and
# that nothing was enabled or started, purges them and checks nothing is left. Needs root.
# Extra arguments go to CMake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${PACKAGE_BUILD_DIR:-$root/build-pkg}
started=$SECONDS
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }

echo "== build the programs and the packages"
BUILD_DIR=$build_dir BUILD_TARGETS="ringctl ringd ringnode" "$root/scripts/build.sh" \
  -DRINGCTL_WERROR=ON -DRINGCTL_TESTS=OFF -DRINGCTL_BENCH=OFF -DCMAKE_INSTALL_PREFIX=/usr "$@"
rm -f "$build_dir"/*.deb
(cd "$build_dir" && cpack -G DEB >/dev/null)
packages=("$build_dir"/ringctl_*.deb "$build_dir"/ringd_*.deb "$build_dir"/ringnode_*.deb)
ls -l "${packages[@]}"

echo "== lintian"
lintian_out=$(lintian --tag-display-limit 0 "${packages[@]}" 2>&1 | grep -v 'running with root privileges' || true)
[ -z "$lintian_out" ] || echo "$lintian_out"
if grep -q '^E:' <<<"$lintian_out"; then fail "lintian finds errors"; fi
echo "lintian: $(grep -c '^W:' <<<"$lintian_out" || true) warnings, no errors"

# Installing touches the machine: one package test at a time.
exec 9>/tmp/ringctl-package-test.lock
flock 9

echo "== install"
for package in ringctl ringd ringnode; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q installed; then
    fail "$package is already installed here; purge it first (apt-get purge $package)"
  fi
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
ringctl --version
ringd --help >/dev/null
[ "$(command -v ringd)" = /usr/sbin/ringd ] || fail "ringd is not /usr/sbin/ringd"
man -w ringctl
man -w 8 ringd
man -w ringnode
[ -f /usr/share/bash-completion/completions/ringctl ] || fail "no bash completion"
[ -f /usr/share/zsh/vendor-completions/_ringctl ] || fail "no zsh completion"
[ -f /usr/share/fish/vendor_completions.d/ringctl.fish ] || fail "no fish completion"
grep -qx /etc/ringd/ringd.yaml /var/lib/dpkg/info/ringd.conffiles || fail "/etc/ringd/ringd.yaml is not a conffile"
getent passwd ringd >/dev/null || fail "postinst did not create the ringd user"

echo "== ringd's unit"
unit=/lib/systemd/system/ringd.service
systemd-analyze verify "$unit"
# --offline: judge the unit file itself, also where systemd is not PID 1 (containers, CI).
systemd-analyze security --offline=true "$unit" | tail -1
[ ! -e /etc/systemd/system/multi-user.target.wants/ringd.service ] || fail "installing enabled ringd.service"
if pgrep -x ringd >/dev/null && [ -d /run/systemd/system ] && systemctl is-active -q ringd; then
  fail "installing started ringd"
fi

echo "== purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ringctl ringd ringnode >/dev/null
left=()
for path in /usr/bin/ringctl /usr/sbin/ringd /usr/bin/ringnode /etc/ringd /lib/systemd/system/ringd.service \
  /usr/lib/sysusers.d/ringd.conf /var/log/ringd /usr/share/doc/ringctl /usr/share/doc/ringd /usr/share/doc/ringnode \
  /usr/share/man/man1/ringctl.1.gz /usr/share/man/man8/ringd.8.gz /usr/share/bash-completion/completions/ringctl \
  /var/lib/systemd/deb-systemd-helper-enabled/ringd.service.dsh-also; do
  [ ! -e "$path" ] || left+=("$path")
done
for package in ringctl ringd ringnode; do
  ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok" || left+=("package $package")
done
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
echo "purge: nothing left (the ringd system user stays, as Debian leaves system users)"

echo "== package test passed in $((SECONDS - started)) s"
