#!/usr/bin/env python3
"""The Grafana dashboard and the alerting rules speak of metrics ringd documents.

Checks dashboards/*.json (a provisionable Grafana dashboard: it parses, panel ids are unique,
every panel asks the ${datasource} variable, every $variable it uses is defined) and, in both
the dashboards and alerts/*.yaml, that every PromQL expression parses (promtool check rules on
a rule file made of them) and names only metrics that docs/metrics.md documents (or
Prometheus' own `up`). promtool cannot check dashboards; this can.

usage: dashboard_test.py ROOT [METRICS_DOC]   (METRICS_DOC defaults to ROOT/docs/metrics.md)
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

PROMETHEUS_OWN = {"up"}
KEYWORDS = {"and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring", "group_left",
            "group_right", "inf", "nan"}
GRAFANA_OWN_VARIABLES = {"__rate_interval", "__interval", "__range", "__name"}
IDENTIFIER = re.compile(r"(?<![\w.:$])[a-zA-Z_:][a-zA-Z0-9_:]*")


def documented_metrics(metrics_doc):
    """Metric names in the first column of docs/metrics.md's tables."""
    names = set()
    for line in metrics_doc.read_text().splitlines():
        match = re.match(r"\|\s*`(ringd_[a-z0-9_]+)`\s*\|", line)
        if match:
            names.add(match.group(1))
    return names


def metric_names(expr):
    """The metric names an expression selects: what is left of it once strings, label matchers,
    ranges, grouping clauses and function names are taken out."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in IDENTIFIER.finditer(text):
        name = match.group(0)
        if name.lower() in KEYWORDS or re.match(r"\s*\(", text[match.end():]):
            continue
        names.add(name)
    return names


def as_promql(expr):
    """A dashboard expression with Grafana's variables replaced so that Prometheus parses it."""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: "5m" if m.group(1) == "__rate_interval" else "x", expr)


def dashboard_expressions(path, failures):
    """(where, expr) for every query of the dashboard; also checks its structure."""
    dashboard = json.loads(path.read_text())
    for key in ("uid", "title", "schemaVersion", "panels", "templating"):
        if key not in dashboard:
            failures.append(f"{path.name}: no '{key}'")
    if dashboard.get("id") is not None:
        failures.append(f"{path.name}: 'id' must be null or absent to be provisionable")
    variables = {v["name"] for v in dashboard.get("templating", {}).get("list", [])}
    if "datasource" not in variables:
        failures.append(f"{path.name}: no 'datasource' variable")
    expressions = []
    ids = set()
    for panel in dashboard.get("panels", []):
        where = f"{path.name} panel '{panel.get('title')}'"
        if panel.get("id") in ids:
            failures.append(f"{where}: id {panel.get('id')} used twice")
        ids.add(panel.get("id"))
        if "gridPos" not in panel:
            failures.append(f"{where}: no gridPos")
        if panel.get("type") == "row":
            continue
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            failures.append(f"{where}: does not ask the ${{datasource}} variable")
        targets = panel.get("targets", [])
        if not targets:
            failures.append(f"{where}: no query")
        for target in targets:
            expressions.append((where, target.get("expr", "")))
        for name in re.findall(r"\$\{?(\w+)", json.dumps(panel)):
            if name not in variables and name not in GRAFANA_OWN_VARIABLES:
                failures.append(f"{where}: uses ${name}, which the dashboard does not define")
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
        if not match:
            failures.append(f"{path.name} variable '{variable['name']}': not label_values(SELECTOR, LABEL): {query}")
            continue
        expressions.append((f"{path.name} variable '{variable['name']}'", match.group(1)))
    return expressions


def rule_expressions(path):
    rules = yaml.safe_load(path.read_text())
    return [(f"{path.name} alert {rule.get('alert') or rule.get('record')}", rule["expr"])
            for group in rules["groups"] for rule in group["rules"]]


def unparsable(expressions):
    """promtool's complaints about the expressions, written as recording rules."""
    rules = {"groups": [{"name": "check", "rules": [
        {"record": f"check:expr_{i}", "expr": as_promql(expr)} for i, (_, expr) in enumerate(expressions)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as file:
        yaml.safe_dump(rules, file)
        file.flush()
        result = subprocess.run(["promtool", "check", "rules", file.name], capture_output=True, text=True)
    if result.returncode == 0:
        return []
    complaints = result.stdout + result.stderr
    named = {int(index) for index in re.findall(r'"check:expr_(\d+)"', complaints)}
    return [f"{where}: PromQL does not parse: {expr}" for i, (where, expr) in enumerate(expressions) if i in named] \
        + [complaints.strip()]


def main():
    root = pathlib.Path(sys.argv[1])
    metrics_doc = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "metrics.md"
    known = documented_metrics(metrics_doc) | PROMETHEUS_OWN
    failures = []
    expressions = []
    dashboards = sorted((root / "dashboards").glob("*.json"))
    if not dashboards:
        failures.append("no dashboard in dashboards/")
    for path in dashboards:
        expressions += dashboard_expressions(path, failures)
    for path in sorted((root / "alerts").glob("*.yaml")):
        expressions += rule_expressions(path)
    for where, expr in expressions:
        if not expr.strip():
            failures.append(f"{where}: empty expression")
        for name in sorted(metric_names(expr) - known):
            failures.append(f"{where}: metric {name} is not documented in {metrics_doc.name}")
    failures += unparsable([(where, expr) for where, expr in expressions if expr.strip()])
    for failure in failures:
        print("FAIL:", failure)
    if not failures:
        print(f"{len(expressions)} expressions parse and name only the {len(known)} documented metrics")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
