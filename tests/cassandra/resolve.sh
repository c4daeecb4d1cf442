#!/usr/bin/env bash
# Fetch a real Apache Cassandra (cassandra-all + runtime deps) and the Jolokia JVM agent
# from Maven Central into a cache directory, and print that directory on stdout.
#
#   tests/cassandra/resolve.sh            -> prints e.g. /root/.cache/ringctl/cassandra-5.0.9
#
# Cache: ${RINGCTL_CACHE:-$HOME/.cache/ringctl}/cassandra-<version>/{lib,agent}.
# A complete cache holds a COMPLETE marker; when it is there the script does nothing, so
# it is cheap to call before every run. Maven output goes to stderr only on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/pom.xml"

# The pom is the single place where versions are written down.
pom_property() {
    sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$pom" | head -n 1
}
cassandra_version="$(pom_property cassandra.version)"
jolokia_version="$(pom_property jolokia.version)"

cache_root="${RINGCTL_CACHE:-$HOME/.cache/ringctl}"
home="$cache_root/cassandra-$cassandra_version"
marker="$home/COMPLETE"
expected_marker="cassandra-all $cassandra_version, jolokia-agent-jvm $jolokia_version"

cache_is_complete() {
    [[ -f "$marker" ]] && [[ "$(cat "$marker")" == "$expected_marker" ]] &&
        [[ -f "$home/lib/cassandra-all-$cassandra_version.jar" ]] &&
        [[ -f "$home/agent/jolokia-agent-jvm-$jolokia_version-javaagent.jar" ]]
}

if cache_is_complete; then
    echo "$home"
    exit 0
fi

command -v mvn >/dev/null || { echo "resolve.sh: mvn not found on PATH" >&2; exit 1; }

# Copy into a scratch directory next to the cache and rename at the end, so an interrupted
# run never leaves a half-filled cache that looks usable.
mkdir -p "$cache_root"
scratch="$(mktemp -d "$cache_root/.cassandra-$cassandra_version.partial.XXXXXX")"
log="$scratch.mvn.log"
trap 'rm -rf "$scratch" "$log"' EXIT

echo "resolve.sh: fetching cassandra-all $cassandra_version + jolokia $jolokia_version into $home" >&2
started=$SECONDS
# An "[ERROR] ... systemPath ${jmc5.path}" line from a transitive pom is known noise;
# only Maven's exit status counts.
if ! mvn -B -f "$pom" validate -Dringctl.cassandra.home="$scratch" >"$log" 2>&1; then
    echo "resolve.sh: mvn failed; last lines of its log:" >&2
    tail -n 40 "$log" >&2
    exit 1
fi

printf '%s\n' "$expected_marker" >"$scratch/COMPLETE"
rm -rf "$home"
mv "$scratch" "$home"
echo "resolve.sh: done in $((SECONDS - started)) s ($(ls "$home/lib" | wc -l) jars)" >&2
echo "$home"
