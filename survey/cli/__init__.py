"""The `survey` command: one module per group of subcommands, each a thin call into the domain or the services."""

from survey.cli import database, definitions, outbox, people, rounds, workbooks, worker  # noqa: F401 - adds commands
from survey.cli.base import main

__all__ = ["main"]
