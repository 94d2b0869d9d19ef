"""``cleaner rules`` and ``cleaner rule CODE``: the rule catalogue."""

from __future__ import annotations

import json

import click

from cleaner.cli import cli
from cleaner.registry import all_rules, get_rule


@cli.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule: code, name and what it does."""
    rules = all_rules()
    if output_format == "markdown":
        click.echo(markdown_table(rules))
        return
    if output_format == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "summary": r.summary, "family": r.family,
                                "severity": r.severity, "fix": r.fix} for r in rules], indent=2))
        return
    width = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.code}  {r.name:<{width}}  {r.summary}")


@cli.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Explain one rule (by code or name)."""
    r = get_rule(code)
    if r is None:
        raise click.BadParameter(f"no rule {code!r}; see `cleaner rules`", param_hint="CODE")
    click.echo(f"{r.code} {r.name} ({r.family}; severity {r.severity}; fix: {r.fix})\n")
    click.echo(r.explanation)
    if r.code == "B001":
        from cleaner.rules.boilerplate import catalogue

        click.echo("\nPatterns:")
        for p in catalogue():
            click.echo(f"  {p.id:<32} [{p.kind}] {p.why}")


def markdown_table(rules) -> str:
    """The rule table of the README (``cleaner rules --output-format markdown``)."""
    rows = ["| code | name | fix | default | what it does |", "| --- | --- | --- | --- | --- |"]
    for r in rules:
        summary = r.summary.replace("|", "\\|")
        rows.append(f"| {r.code} | `{r.name}` | {r.fix} | {'on' if r.default_enabled else 'off'} | {summary} |")
    return "\n".join(rows)
