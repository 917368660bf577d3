"""`survey person`, `survey partnership` and `survey agencies import`: who takes part."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from survey.cli.app import app_context, partnership_named, require_schema
from survey.cli.base import ProgressBar, fail, main, print_table, write_text
from survey.extensions import db as database
from survey.services import accounts, agencies, boards, data_protection, directory, invitations


@main.group()
def person() -> None:
    """Board managers, chairs and administrators: add them or take a role away; a person's data: export, erase."""


def _board_role(role: str, partnership: str | None) -> tuple[Any, Any]:
    """The role and partnership a command names, or a one-line failure."""
    try:
        chosen = boards.board_role_named(role)
    except agencies.DirectoryError as exc:
        fail(f"--role: {exc}")
    found = None
    if partnership is not None:
        found = partnership_named(database.session(), partnership)
    return chosen, found


@person.command("add")
@click.argument("email")
@click.option("--name", default="", help="Their full name (needed when the email is new).")
@click.option("--role", required=True, help="manager, chair or admin.")
@click.option("--partnership", help="The partnership's short name (slug), for a manager or chair.")
def person_add(email: str, name: str, role: str, partnership: str | None) -> None:
    """Make someone a board manager or chair of a partnership, or an administrator.

    A new person gets an account, and a link to create their password is printed: pass it on to them."""
    with app_context() as app:
        require_schema()
        session = database.session()
        chosen, found = _board_role(role, partnership)
        try:
            added = boards.add_board_person(session, name, email, chosen, found)
        except agencies.DirectoryError as exc:
            fail(str(exc))
        click.echo(f"{added.name} ({added.email}) is now {boards.describe(chosen, found)}")
        link = invitations.issue_password_link(session, added, app.config)
        if link:
            click.echo(f"they create their password at (within {accounts.INVITATION_DAYS} days):\n{link}")


@person.command("remove-role")
@click.argument("email")
@click.option("--role", required=True, help="manager, chair or admin.")
@click.option("--partnership", help="The partnership's short name (slug), for a manager or chair.")
def person_remove_role(email: str, role: str, partnership: str | None) -> None:
    """Take a board role or administration away from someone; their account and what they did stay."""
    with app_context():
        require_schema()
        session = database.session()
        chosen, found = _board_role(role, partnership)
        if chosen.value != "admin" and found is None:
            fail(f"--partnership: say which partnership's {chosen.value} to remove")
        who = accounts.find_person(session, email)
        if who is None:
            fail(f"no person with the email {email}")
        try:
            removed = boards.remove_board_role(session, who, chosen, found)
        except agencies.DirectoryError as exc:
            fail(str(exc))
        if not removed:
            fail(f"{who.email} is not {boards.describe(chosen, found)}")
        click.echo(f"{who.email} is no longer {boards.describe(chosen, found)}")


@person.command("export")
@click.argument("email")
@click.option("--out", type=click.Path(path_type=Path), help="Write the JSON here instead of standard output.")
def person_export(email: str, out: Path | None) -> None:
    """Export everything held about a person as JSON."""
    with app_context():
        require_schema()
        found = data_protection.find(database.session(), email)
        if found is None:
            fail(f"no person with the email {email}")
        content = json.dumps(data_protection.export_person(database.session(), found), indent=2) + "\n"
    write_text(content, out)


@person.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Confirm: the erasure cannot be undone.")
def person_erase(email: str, yes: bool) -> None:
    """Erase a person: name and email removed, sign-in ended, roles removed; records kept under a pseudonym."""
    if not yes:
        fail("erasure cannot be undone: add --yes to confirm")
    with app_context():
        require_schema()
        found = data_protection.find(database.session(), email)
        if found is None:
            fail(f"no person with the email {email}")
        person_id = found.id
        erased = data_protection.erase_person(database.session(), found)
    click.echo(f"erased person {person_id} ({email}): now \"{erased.pseudonym}\"; their name or address was "
               f"replaced in {erased.texts_rewritten} texts, emails and audit entries")
    click.echo("kept under the pseudonym, as the partnership's record of what was done: "
               f"{erased.declarations} submitted declarations, {erased.answers} answers they last saved (part of "
               f"their agency's returns), {erased.actions} audit entries of what they did")


@main.group("partnership")
def partnership_group() -> None:
    """The partnerships (boards) this installation serves."""


@partnership_group.command("create")
@click.argument("name")
@click.option("--slug", required=True, help="A short name for commands, e.g. southend.")
def partnership_create(name: str, slug: str) -> None:
    """Add a partnership; then `survey person add` gives it a board manager."""
    with app_context():
        require_schema()
        try:
            created = boards.create_partnership(database.session(), name, slug)
        except agencies.DirectoryError as exc:
            fail(str(exc))
        click.echo(f"created partnership {created.slug}: {created.name}")


@partnership_group.command("rename")
@click.argument("slug")
@click.argument("name")
def partnership_rename(slug: str, name: str) -> None:
    """Give the partnership SLUG a new full name; its short name stays the same."""
    with app_context():
        require_schema()
        found = partnership_named(database.session(), slug)
        try:
            old = boards.rename_partnership(database.session(), found, name)
        except agencies.DirectoryError as exc:
            fail(str(exc))
        click.echo(f"renamed partnership {found.slug}: {old} -> {found.name}" if old is not None
                   else f"partnership {found.slug} is already called {found.name}")


@partnership_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def partnership_list(fmt: str) -> None:
    """One row per partnership: short name, name, agencies, board managers and chairs."""
    with app_context():
        require_schema()
        rows = boards.list_partnerships(database.session())
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    print_table([("slug", "name", "agencies", "managers", "chairs")] + [
        (r.partnership.slug, r.partnership.name, str(r.agencies), ", ".join(p.email for p in r.managers) or "-",
         ", ".join(p.email for p in r.chairs) or "-") for r in rows])


@main.group("agencies")
def agencies_group() -> None:
    """A partnership's agencies and people."""


@agencies_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--partnership", required=True, help="The partnership's short name (slug), e.g. southend.")
@click.option("--dry-run", is_flag=True, help="Check the file and say what it would add; save nothing.")
def agencies_import(file: Path, partnership: str, dry_run: bool) -> None:
    """Import agencies and people from a CSV or XLSX file (columns agency, type, name, email, role).

    Every row is checked first; nothing is saved unless the whole file is valid."""
    with app_context():
        require_schema()
        session = database.session()
        found = partnership_named(session, partnership)
        try:
            with ProgressBar("checking rows") as progress:
                plan = directory.import_file(session, found, file, dry_run=dry_run, progress=progress)
        except directory.DirectoryImportError as exc:
            for problem in exc.problems[:-1]:
                click.echo(problem, err=True)
            more = f" (and {len(exc.problems) - 1} more above)" if len(exc.problems) > 1 else ""
            fail(f"{exc.problems[-1]}{more}; nothing was saved")
        click.echo(f"{'would add' if dry_run else 'added'}: {plan.summary()}")
