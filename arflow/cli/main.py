"""`arflow`: the entry point; each command lives in its own small module."""

from __future__ import annotations

import typer

from arflow.cli import collect_cmd, contact_cmd, db_cmd, outbox_cmd, policy_cmd, task_cmd
from arflow.cli.bank_cmd import app as bank_app
from arflow.cli.credit_cmd import credit_app, customer_app
from arflow.cli.cycle_cmd import cycle_command
from arflow.cli.demo_cmd import demo_command
from arflow.cli.import_cmd import import_command
from arflow.cli.init_cmd import init_command
from arflow.cli.interest_cmd import app as interest_app
from arflow.cli.order_cmd import app as order_app
from arflow.cli.order_cmd import orders_command
from arflow.cli.people_cmd import token_app, user_app
from arflow.cli.prepayment_cmd import app as prepayment_app
from arflow.cli.prepayment_cmd import prepayments_command
from arflow.cli.rates_cmd import app as rates_app
from arflow.cli.report_cmd import report_app
from arflow.cli.serve_cmd import serve_command
from arflow.cli.statement_cmd import statement_command
from arflow.cli.views import customers_command, receivables_command, show_command, warnings_command
from arflow.cli.writeoff_cmd import writeoff_command, writeoffs_command

app = typer.Typer(
    name="arflow",
    help="Credit control and collections for accounts receivable (应收账款).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"arflow {version('arflow')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print arflow's version and exit."),
) -> None:
    # no docstring: the app's help stays the one given above
    pass


app.command("init")(init_command)
app.add_typer(db_cmd.app, name="db")
app.add_typer(policy_cmd.app, name="policy")
app.command("import")(import_command)
app.command("cycle")(cycle_command)
app.command("customers")(customers_command)
app.command("receivables")(receivables_command)
app.command("show")(show_command)
app.command("warnings")(warnings_command)
app.command("demo")(demo_command)
app.add_typer(outbox_cmd.app, name="outbox")
app.command("dispatch")(outbox_cmd.dispatch_command)
app.command("serve")(serve_command)
app.command("pause")(collect_cmd.pause_command)
app.command("resume")(collect_cmd.resume_command)
app.command("dispute")(collect_cmd.dispute_command)
app.command("resolve")(collect_cmd.resolve_command)
app.command("promise")(collect_cmd.promise_command)
app.command("plan")(collect_cmd.plan_command)
app.command("promises")(collect_cmd.promises_command)
app.command("plans")(collect_cmd.plans_command)
app.command("tasks")(task_cmd.tasks_command)
app.add_typer(task_cmd.task_app, name="task")
app.command("call")(task_cmd.call_command)
app.command("writeoff")(writeoff_command)
app.command("writeoffs")(writeoffs_command)
app.add_typer(order_app, name="order")
app.command("orders")(orders_command)
app.add_typer(prepayment_app, name="prepayment")
app.command("prepayments")(prepayments_command)
app.add_typer(credit_app, name="credit")
app.add_typer(customer_app, name="customer")
app.add_typer(contact_cmd.app, name="contact")
app.command("statement")(statement_command)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(report_app, name="report")
app.add_typer(interest_app, name="interest")
app.add_typer(bank_app, name="bank")
app.add_typer(rates_app, name="rates")

if __name__ == "__main__":
    app()
