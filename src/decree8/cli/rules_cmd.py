"""`decree8 rules`: the rule pack, for people who must judge what a finding rests on."""

from __future__ import annotations

import click

from decree8.cli._app import App, pass_app


@click.command("rules", short_help="List the rules with their legal basis and confidence.")
@click.argument("rule_id", required=False, metavar="[RULE-ID]")
@click.option(
    "--at",
    "at",
    metavar="DATE",
    help="Show the pack as of DATE (YYYY-MM-DD, a day in Minsk time): only the rules in force "
    "that day, and the law version a check of that day applies.",
)
@pass_app
def rules_cmd(app: App, rule_id: str | None, at: str | None) -> None:
    """List every rule decree8 enforces and checks: its ID, restriction code, legal basis, how
    sure we are of that basis (primary source, secondary source, news only, policy safeguard, or
    UNVERIFIED) and since when it is in force. Give a RULE-ID (e.g. P2P-SALE) to see one rule in
    full, with its parameters; --at DATE to see the pack as it stood that day.

    A rule applies only to actions made while it is in force. Policy safeguards are decree8's
    own additions, not law, and apply from a contract's deployment; unverified claims are never
    presented as law.

    \b
    Examples:
      decree8 rules                      every rule, with basis, confidence and in-force date
      decree8 rules P2P-SALE             one rule in full, with its parameters
      decree8 rules --at 2024-09-19      the law as it stood that day (before Decree No. 367)
      decree8 rules --json               for scripts
    """
    from decree8.report.catalog import rules_text, rules_to_dict
    from decree8.rules import load_pack
    from decree8.rules.pack import day_start, parse_date

    full = load_pack()
    pack = full
    law = None
    if at is not None:
        day = parse_date(at, "--at")
        pack = full.as_of(day)
        law = full.law_at(day_start(day))
    # One rule is shown whether or not it was in force on --at (the answer says which).
    chosen = [full.rule(rule_id.upper())] if rule_id else list(pack)
    one = rule_id is not None
    app.emit(rules_to_dict(pack, chosen, law, at, one), lambda: rules_text(pack, chosen, law, one))
