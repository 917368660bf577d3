"""The `survey` command: one module per group of subcommands, each a thin call into the domain or the services.

Each module is imported when one of its commands runs (see `COMMAND_MODULES`)."""

from survey.cli.base import main

__all__ = ["main"]
