#!/usr/bin/env bash
# Checks the Prometheus alerting rules and the sample scrape config.
#
#   scripts/check-alerts.sh
#
# 1. promtool check rules  ops/prometheus/alerts.yml       (syntax, PromQL)
# 2. promtool test rules   ops/prometheus/alerts.test.yml  (each alert fires
#    on a bad series and stays quiet on a healthy/borderline one)
# 3. promtool check config ops/prometheus/prometheus.yml   (scrape config +
#    rule_files reference)
# 4. every alert in alerts.yml is exercised by at least one test case.
#
# Needs: promtool (apt: prometheus, Debian 12 ships 2.42).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$ROOT/ops/prometheus
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
if [ -z "$PROMTOOL" ]; then
  echo "check-alerts: promtool not found (apt-get install -y --no-install-recommends prometheus)" >&2
  exit 1
fi

fail=0
step() { echo "-- $1"; shift; if "$@"; then echo "  ok"; else echo "  FAIL"; fail=1; fi; }

echo "== check-alerts: $DIR ($("$PROMTOOL" --version 2>&1 | head -1))"
cd "$DIR"
step "[1] promtool check rules alerts.yml" "$PROMTOOL" check rules alerts.yml
step "[2] promtool test rules alerts.test.yml" "$PROMTOOL" test rules alerts.test.yml
step "[3] promtool check config prometheus.yml" "$PROMTOOL" check config prometheus.yml

echo "-- [4] every alert has a test"
missing=0
for a in $(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' alerts.yml); do
  if grep -q "alertname: *$a\$" alerts.test.yml; then
    echo "  ok: $a"
  else
    echo "  FAIL: $a has no alert_rule_test"; missing=1
  fi
done
[ "$missing" = 0 ] || fail=1

if [ "$fail" = 0 ]; then echo "check-alerts: PASS"; else echo "check-alerts: FAIL"; fi
exit "$fail"
