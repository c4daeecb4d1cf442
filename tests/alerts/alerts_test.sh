#!/usr/bin/env bash
# The alerting rules are valid Prometheus rules (promtool check rules) and each alert fires, and
# stays silent, on the series its unit tests write (promtool test rules).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
promtool check rules "$root/alerts/ringctl-alerts.yaml"
promtool test rules "$root/tests/alerts/ringctl-alerts.test.yaml"
