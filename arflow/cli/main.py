"""`arflow`: the entry point; each command lives in its own small module."""

from __future__ import annotations

import typer

from arflow.cli import db_cmd, policy_cmd
from arflow.cli.cycle_cmd import cycle_command
from arflow.cli.demo_cmd import demo_command
from arflow.cli.import_cmd import import_command
from arflow.cli.views import customers_command, receivables_command, show_command, warnings_command

app = typer.Typer(
    name="arflow",
    help="Credit control and collections for accounts receivable (应收账款).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(policy_cmd.app, name="policy")
app.command("import")(import_command)
app.command("cycle")(cycle_command)
app.command("customers")(customers_command)
app.command("receivables")(receivables_command)
app.command("show")(show_command)
app.command("warnings")(warnings_command)
app.command("demo")(demo_command)

if __name__ == "__main__":
    app()
