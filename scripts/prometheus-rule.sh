#!/usr/bin/env bash
# Generates deploy/kubernetes/prometheusrule.yaml (a Prometheus Operator PrometheusRule) from the plain
# deploy/prometheus/rules.yml that promtool checks. With --check, fails when the committed file is stale.
set -euo pipefail
generate() {
    cat <<'HEADER'
# Generated from deploy/prometheus/rules.yml by scripts/prometheus-rule.sh; edit that file instead.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: delivery-metrics
  labels:
    app.kubernetes.io/name: delivery-metrics
spec:
HEADER
    grep -v '^#' deploy/prometheus/rules.yml | sed 's/^\(.\)/  \1/'
}
target=deploy/kubernetes/prometheusrule.yaml
if [ "${1:-}" = "--check" ]; then
    if ! diff -u "$target" <(generate); then
        echo "$target is stale: run scripts/prometheus-rule.sh"
        exit 1
    fi
    echo "$target matches deploy/prometheus/rules.yml"
else
    generate > "$target"
    echo "wrote $target"
fi
