"""The `survey` command: each subcommand is a thin call into the domain or the services."""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from flask import Flask

    from survey.scoring import Figures


def fail(message: str) -> NoReturn:
    """Print a one-line reason to stderr and exit 1."""
    raise click.ClickException(message)


class ProgressBar:
    """A progress bar on stderr for long work, drawn once the total is known; a callback `(done, total)`."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="section11-survey", prog_name="survey")
def main() -> None:
    """Self-assessment and Section 11 survey engine for safeguarding children partnerships.

    Settings come from SURVEY_* environment variables (SURVEY_DATABASE_URL, SURVEY_SECRET_KEY, SMTP settings);
    without them a SQLite file in the instance folder is used.
    """


# -- questionnaires ----------------------------------------------------------------------------------------------
@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check questionnaire definition files (default: every file in questionnaires/).

    Prints `file:line: what is wrong — how to fix it` for every problem and exits 1 on any error.
    """
    from survey.config import ROOT
    from survey.definitions import DefinitionError, default_paths, load_file

    files: list[Path] = []
    for path in paths or (ROOT / "questionnaires",):
        files.extend(default_paths(path) if path.is_dir() else [path])
    if not files:
        fail(f"no questionnaire files (*.yaml, *.yml) found in {', '.join(map(str, paths))}")
    bad = 0
    for file in files:
        try:
            questionnaire = load_file(file)
        except DefinitionError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        statements = len(questionnaire.statement_ids())
        click.echo(f"{file}: ok — {questionnaire.title} (version {questionnaire.version}), "
                   f"{len(questionnaire.sections)} sections, {statements} statements")
    if bad:
        click.echo(f"{bad} of {len(files)} file(s) invalid", err=True)
        sys.exit(1)


# -- scoring -----------------------------------------------------------------------------------------------------
@main.command()
@click.argument("responses", type=click.Path(path_type=Path))
@click.option("--definition", "definition", type=click.Path(path_type=Path),
              help="Questionnaire file: checks ids and scale, orders by it, adds duty and section rows.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write here instead of standard output.")
def score(responses: Path, definition: Path | None, fmt: str, out: Path | None) -> None:
    """Collate mode, mean and range from a CSV or XLSX file of ratings.

    \b
    The form is detected from the header row (and reported on standard error):
      long form: columns respondent, statement, rating (any order, any case; other columns ignored)
      wide form: first column respondent, then one column per statement id
    A blank rating or N/A is not counted. Without --definition, ratings 1 to 4 in steps of 0.5 are accepted.
    """
    from survey import scoring
    from survey.definitions import DefinitionError, load_file
    from survey.exports.responses_file import ResponsesError, Rules, read_responses

    questionnaire = None
    rules = Rules()
    if definition is not None:
        try:
            questionnaire = load_file(definition)
        except DefinitionError as exc:
            fail(f"--definition is invalid: {exc.problems[0]}")
        scale = questionnaire.scale
        rules = Rules(scale.values(), questionnaire.statement_ids(), scale.half_points,
                      f"questionnaire '{questionnaire.id}'")
    try:
        table = read_responses(responses, rules)
    except ResponsesError as exc:
        fail(str(exc))
    click.echo(f"read {len(table.respondents)} respondents x {len(table.statement_ids)} statements "
               f"({table.form} form) from {responses}", err=True)
    if questionnaire is not None:
        layout = scoring.layout_for(questionnaire)
        column = {sid: i for i, sid in enumerate(table.statement_ids)}
        import numpy as np

        matrix = np.full((len(table.respondents), len(layout.statement_ids)), np.nan)
        for j, sid in enumerate(layout.statement_ids):
            if sid in column:
                matrix[:, j] = table.matrix[:, column[sid]]
        texts = {st.id: st.text for _, _, st in questionnaire.statements()}
        texts.update({d.id: d.title for _, d in questionnaire.duties()})
        texts.update({s.id: s.title for s in questionnaire.sections})
    else:
        layout = scoring.plain_layout(rules.values, table.statement_ids)
        matrix = table.matrix
        texts = {}
    figures = scoring.collate(matrix, layout)
    render: dict[str, Callable[[list[Figures], dict[str, str]], str]] = {
        "json": _score_json, "csv": _score_csv, "table": _score_table,
    }
    _write(render[fmt](figures, texts), out)


def _score_json(figures: list[Figures], _texts: dict[str, str]) -> str:
    return json.dumps([f.to_json() for f in figures], indent=2) + "\n"


def _score_csv(figures: list[Figures], _texts: dict[str, str]) -> str:
    import csv
    import io

    from survey.exports.cells import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["level", "id", "n", "mode", "mean", "range"])
    for f in figures:
        writer.writerow([f.level, csv_cell(f.id), f.n, f.mode_label, f.mean_label, f.range_label])
    return buffer.getvalue()


def _score_table(figures: list[Figures], texts: dict[str, str]) -> str:
    indent = {"section": "", "duty": "  ", "statement": "    "} if texts else {"statement": ""}
    rows = [("id", "n", "mode", "mean", "range", "text" if texts else "")]
    for f in figures:
        text = texts.get(f.id, "")
        text = text if len(text) <= 60 else text[:57] + "..."
        rows.append((indent.get(f.level, "") + f.id, str(f.n), f.mode_label or "-", f.mean_label or "-",
                     f.range_label or "-", text))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in range(1, 5)]
        lines.append("  ".join(cells + ([r[5]] if r[5] else [])).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _xlsx_target(path: Path, what: str) -> Path:
    """Check where a workbook is to be written before any work is done."""
    if path.suffix.lower() != ".xlsx":
        fail(f"{path}: the {what} is an Excel file; give a name ending .xlsx")
    if not path.parent.is_dir():
        fail(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def _write_binary(target: Path, write: Callable[[Any], None]) -> None:
    """Write a file beside its target and rename it, so a failure never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, target)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write(content: str, out: Path | None) -> None:
    if out is None:
        click.echo(content, nl=False)
        return
    # Write beside the target and rename, so a failure never leaves a half-written file.
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=f".{out.name}.")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
        os.replace(tmp, out)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    click.echo(f"wrote {out}", err=True)


# -- database and app --------------------------------------------------------------------------------------------
@contextmanager
def app_context() -> Iterator[Flask]:
    """Create the app (refusing bad configuration or definitions with a clear reason) and push its context."""
    from survey import create_app
    from survey.factory import ConfigurationError
    from survey.services.catalogue import CatalogueError

    try:
        app = create_app()
    except (ConfigurationError, CatalogueError) as exc:
        fail(str(exc))
    with app.app_context():
        yield app


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema (safe to run on every deploy)."""
    from sqlalchemy.exc import SQLAlchemyError

    from survey import migrate
    from survey.extensions import db as database

    with app_context() as app:
        engine = database.engine
        assert engine is not None  # noqa: S101 - bound by create_app
        try:
            before = migrate.current_revision(engine)
            migrate.upgrade(engine, revision)
            after = migrate.current_revision(engine)
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            fail(f"cannot upgrade {_safe_url(app)}: {reason}")
        click.echo(f"database {_safe_url(app)}: {before or 'empty'} -> {after}")


@db.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one shipped."""
    from survey import migrate
    from survey.extensions import db as database

    with app_context() as app:
        assert database.engine is not None  # noqa: S101 - bound by create_app
        click.echo(f"database {_safe_url(app)}: {migrate.current_revision(database.engine) or 'empty'} "
                   f"(newest shipped: {migrate.head_revision()})")


def _safe_url(app: Flask) -> str:
    from sqlalchemy.engine import make_url

    return make_url(app.config["DATABASE_URL"]).render_as_string(hide_password=True)


def round_with_returns(session: Any, round_id: int, what: str) -> Any:
    """A round that has opened (a draft has no returns), or exit with the reason."""
    from survey.models import RoundState
    from survey.services import rounds

    try:
        found = rounds.get_round(session, round_id)
    except rounds.RoundError as exc:
        fail(str(exc))
    if found.state is RoundState.DRAFT:
        fail(f"round {round_id} is a draft: it has no {what} yet")
    return found


def require_schema() -> None:
    """Exit with a clear reason unless the database is at the newest schema."""
    from survey import migrate
    from survey.extensions import db as database

    assert database.engine is not None  # noqa: S101 - bound by create_app
    current = migrate.current_revision(database.engine)
    if current != migrate.head_revision():
        fail(f"the database schema is at {current or 'nothing (empty database)'}; run `survey db upgrade` first")


@main.command()
def demo() -> None:
    """Load a realistic demo partnership (agencies, people, a closed and an open round) and print sign-ins."""
    from survey.extensions import db as database
    from survey.services import demo as demo_service

    with app_context() as app:
        require_schema()
        session = database.session()
        try:
            result = demo_service.load(session, app.extensions["survey_catalogue"])
        except demo_service.DemoRefused as exc:
            fail(str(exc))
        click.echo(result.summary)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Run the web app with gunicorn (use a reverse proxy in front of it in production)."""
    from gunicorn.app.base import BaseApplication

    from survey.factory import settle_after_crash

    with app_context() as app:
        require_schema()
    settle_after_crash(app)

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("accesslog", "-")
            # As deploy/gunicorn.conf.py: keep what the app built out of full garbage collections.
            self.cfg.set("post_worker_init", lambda _worker: gc.freeze())

        def load(self) -> Any:
            return app

    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    _Server().run()


# -- data protection ---------------------------------------------------------------------------------------------
@main.group()
def retention() -> None:
    """Anonymise answers of closed rounds after their retention period (run daily from cron)."""


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="Say what would be anonymised, change nothing.")
def retention_apply(dry_run: bool) -> None:
    """Anonymise every closed round past its retention period: free text, names and files go, ratings stay."""
    from survey.extensions import db as database
    from survey.services import data_protection

    with app_context() as app:
        require_schema()
        result = data_protection.apply_retention(database.session(), int(app.config["RETENTION_DAYS"]),
                                                 app.config["EVIDENCE_DIR"], dry_run=dry_run)
    verb = "would anonymise" if dry_run else "anonymised"
    if not result.rounds:
        click.echo("no rounds are past their retention period")
        return
    click.echo(f"{verb} {len(result.rounds)} round(s) ({', '.join(result.rounds)}): {result.answers} answers, "
               f"{result.files} evidence files")


# -- mail ----------------------------------------------------------------------------------------------------------
@main.group("mail")
def mail_group() -> None:
    """The outbox of emails: send what is due, see what was sent or failed."""


def _deliver_all(app: Flask, limit: int = 100, rounds: int = 1000) -> Any:
    """Passes of the outbox until nothing is due (bounded); the totals."""
    from survey.extensions import db as database
    from survey.services import mail

    settings = mail.SmtpSettings.from_config(app.config)
    sent = retrying = failed = 0
    for _ in range(rounds):
        done = mail.deliver(database.session(), settings, limit)
        sent, retrying, failed = sent + done.sent, retrying + done.retrying, failed + done.failed
        if done.handled < limit:
            break
    return mail.Delivered(sent, retrying, failed)


def _send_batch(app: Flask, batch: Any, what: str = "emails") -> tuple[str, bool]:
    """Send the emails a command queued before it ends (nobody waits on a terminal but its user): what happened,
    and whether every one of them reached the mail server."""
    import dataclasses

    from survey.extensions import db as database
    from survey.services import mail

    settings = mail.SmtpSettings.from_config(app.config)
    if batch and settings.outbox:
        with ProgressBar(f"sending {what}") as progress:
            mail.deliver(database.session(), settings, limit=len(batch), only=batch.ids, progress=progress)
    # Reported as sent or not, whichever delivery is configured: the command has just tried.
    direct = dataclasses.replace(settings, outbox=False)
    problem = mail.problem(database.session(), direct, batch, what)
    return (problem or mail.summary(database.session(), direct, batch, what)), not problem


@mail_group.command("send")
def mail_send() -> None:
    """Send every email that is due, once (for cron), and say what happened."""
    with app_context() as app:
        require_schema()
        done = _deliver_all(app)
    click.echo(f"{done.sent} sent, {done.retrying} to try again later, {done.failed} failed")
    if done.failed:
        sys.exit(1)


@mail_group.command("status")
@click.option("--round", "round_id", type=int, help="Only the emails about this round.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def mail_status(round_id: int | None, fmt: str) -> None:
    """How many emails are queued, sent and failed, and the failed ones with the server's reply."""
    from survey.extensions import db as database
    from survey.services import mail

    with app_context():
        require_schema()
        found = mail.status(database.session(), round_id)
        failed = [{"id": m.id, "to": m.to_address, "subject": m.subject, "attempts": m.attempts,
                   "error": m.error} for m in found.failed]
    if fmt == "json":
        click.echo(json.dumps({"counts": found.counts, "failed": failed}, indent=2))
        return
    click.echo(", ".join(f"{n} {state}" for state, n in found.counts.items()))
    for m in failed:
        click.echo(f"  failed: {m['to']}: {m['subject']} ({m['attempts']} tries): {m['error']}")


@mail_group.command("catch")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True)
def mail_catch(host: str, port: int) -> None:
    """For development: an SMTP server that prints every email it is sent, and delivers none (Ctrl+C stops it).

    `./dev run` starts it and points the app at it, so the demo's invitations can be read in the terminal."""
    import time
    from email import message_from_bytes, policy

    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        fail("the mail catcher needs aiosmtpd: pip install -e '.[test]'")

    class Printer:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
            message = message_from_bytes(envelope.content, policy=policy.default)
            body = message.get_body(("plain",))
            click.echo(f"\n--- email to {message['To']} ---\nSubject: {message['Subject']}\n\n"
                       f"{body.get_content() if body is not None else ''}", err=True)
            return "250 Message accepted"

    controller = Controller(Printer(), hostname=host, port=port)
    try:
        controller.start()
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")
    click.echo(f"catching email on {host}:{port}: each one is printed here and sent nowhere", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@main.command("worker")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              help="Seconds to wait when nothing is due.")
@click.option("--passes", type=click.IntRange(1), help="Stop after this many passes (default: run until stopped).")
def worker(interval: float, passes: int | None) -> None:
    """Send queued emails as they become due, and open rounds on their opening date, until stopped (SIGTERM or
    Ctrl+C); several may run at once."""
    import signal
    import time

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with app_context() as app:
        require_schema()
        click.echo(f"worker {os.getpid()} sending queued emails (Ctrl+C to stop)", err=True)
        done = 0
        try:
            while not stopping and (passes is None or done < passes):
                for opened in _open_due_rounds(app):
                    click.echo(f"round {opened.round_id} {opened.title} "
                               + (f"not opened: {opened.problem}" if opened.problem else "opened on its opening date"),
                               err=True)
                result = _deliver_all(app, rounds=1)
                done += 1
                if result.handled:
                    click.echo(f"{result.sent} sent, {result.retrying} to try again later, {result.failed} failed",
                               err=True)
                else:
                    time.sleep(interval)
        except KeyboardInterrupt:
            pass


@main.command("housekeeping")
def housekeeping_command() -> None:
    """Remove expired rows: rate-limit counters, old ended sign-in sessions, kept form data (run daily from cron)."""
    from survey.extensions import db as database
    from survey.services import data_protection

    with app_context():
        require_schema()
        done = data_protection.housekeeping(database.session())
    click.echo(f"removed {done.rate_limits} expired rate-limit counters, {done.sessions} sign-in sessions ended over "
               f"{data_protection.SESSIONS_KEPT.days} days ago, {done.stashes} expired kept forms")


@main.group()
def person() -> None:
    """Board managers, chairs and administrators: add them or take a role away; a person's data: export, erase."""


def _board_role(role: str, partnership: str | None) -> tuple[Any, Any]:
    """The role and partnership a command names, or a one-line failure."""
    from survey.extensions import db as database
    from survey.services import agencies, boards

    try:
        chosen = boards.board_role_named(role)
    except agencies.DirectoryError as exc:
        fail(f"--role: {exc}")
    found = None
    if partnership is not None:
        found = boards.partnership_by_slug(database.session(), partnership)
        if found is None:
            fail(f"no partnership {partnership!r} (`survey partnership list` shows them)")
    return chosen, found


@person.command("add")
@click.argument("email")
@click.option("--name", default="", help="Their full name (needed when the email is new).")
@click.option("--role", required=True, help="manager, chair or admin.")
@click.option("--partnership", help="The partnership's short name (slug), for a manager or chair.")
def person_add(email: str, name: str, role: str, partnership: str | None) -> None:
    """Make someone a board manager or chair of a partnership, or an administrator.

    A new person gets an account, and a link to create their password is printed: pass it on to them."""
    from survey.extensions import db as database
    from survey.services import agencies, boards, invitations

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
            from survey.services.accounts import INVITATION_DAYS

            click.echo(f"they create their password at (once, within {INVITATION_DAYS} days):\n{link}")


@person.command("remove-role")
@click.argument("email")
@click.option("--role", required=True, help="manager, chair or admin.")
@click.option("--partnership", help="The partnership's short name (slug), for a manager or chair.")
def person_remove_role(email: str, role: str, partnership: str | None) -> None:
    """Take a board role or administration away from someone; their account and what they did stay."""
    from survey.extensions import db as database
    from survey.services import accounts, agencies, boards

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
    from survey.extensions import db as database
    from survey.services import data_protection

    with app_context():
        require_schema()
        found = data_protection.find(database.session(), email)
        if found is None:
            fail(f"no person with the email {email}")
        content = json.dumps(data_protection.export_person(database.session(), found), indent=2) + "\n"
    _write(content, out)


@person.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Confirm: the erasure cannot be undone.")
def person_erase(email: str, yes: bool) -> None:
    """Erase a person: name and email removed, sign-in ended, roles removed; records kept under a pseudonym."""
    from survey.extensions import db as database
    from survey.services import data_protection

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


# -- partnerships ------------------------------------------------------------------------------------------------
@main.group("partnership")
def partnership_group() -> None:
    """The partnerships (boards) this installation serves."""


@partnership_group.command("create")
@click.argument("name")
@click.option("--slug", required=True, help="A short name for commands, e.g. southend.")
def partnership_create(name: str, slug: str) -> None:
    """Add a partnership; then `survey person add` gives it a board manager."""
    from survey.extensions import db as database
    from survey.services import agencies, boards

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
    from survey.extensions import db as database
    from survey.services import agencies, boards

    with app_context():
        require_schema()
        found = boards.partnership_by_slug(database.session(), slug)
        if found is None:
            fail(f"no partnership {slug!r} (`survey partnership list` shows them)")
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
    from survey.extensions import db as database
    from survey.services import boards

    with app_context():
        require_schema()
        rows = [r.to_json() for r in boards.list_partnerships(database.session())]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    _print_table([("slug", "name", "agencies", "managers", "chairs")] + [
        (str(r["slug"]), str(r["name"]), str(r["agencies"]), ", ".join(r["managers"]) or "-",  # type: ignore[arg-type]
         ", ".join(r["chairs"]) or "-") for r in rows])  # type: ignore[arg-type]


def _print_table(table: list[tuple[str, ...]]) -> None:
    """Rows of text in columns, the first row the heading."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


# -- rounds ------------------------------------------------------------------------------------------------------
@main.group("round")
def round_group() -> None:
    """Create, open, close and follow rounds."""


def _date(value: str, name: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{name} must be a date like 2026-04-01, not {value!r}")


@round_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def round_list(fmt: str) -> None:
    """One row per round: id, partnership, questionnaire, title, state, returns submitted of total."""
    from survey.extensions import db as database
    from survey.services import rounds

    with app_context():
        require_schema()
        rows = rounds.list_rounds(database.session())
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    _print_table([("id", "partnership", "questionnaire", "title", "state", "submitted")] + [
        (str(r.id), " + ".join([r.partnership, *r.joint_with]), r.questionnaire, r.title, r.state,
         f"{r.submitted} of {r.returns}") for r in rows])


@round_group.command("create")
@click.option("--partnership", required=True, help="The partnership's short name (slug), e.g. southend.")
@click.option("--questionnaire", "questionnaire_id", required=True, help="Questionnaire id, e.g. section-11-audit.")
@click.option("--title", required=True, help="e.g. 'Section 11 audit 2026'.")
@click.option("--opens", required=True, help="Opening date, YYYY-MM-DD.")
@click.option("--deadline", required=True, help="Deadline, YYYY-MM-DD.")
@click.option("--agency", "agencies", multiple=True, help="An agency's name (repeat); default: all active agencies.")
@click.option("--joint-with", "joint", multiple=True,
              help="Another partnership's short name (repeat) to run the round jointly with.")
@click.option("--deadline-passed-ok", is_flag=True, help="Create it even though its deadline has already passed.")
def round_create(partnership: str, questionnaire_id: str, title: str, opens: str, deadline: str,
                 agencies: tuple[str, ...], joint: tuple[str, ...], deadline_passed_ok: bool) -> None:
    """Create a draft round, pinning the questionnaire's current version.

    --joint-with asks other partnerships to run it jointly: each takes part (with the agencies its manager
    chooses) only once its manager agrees, on the web or with `survey round joint`."""
    from sqlalchemy import select

    from survey.extensions import db as database
    from survey.models import Agency, Partnership, PartnershipAgency
    from survey.services import rounds

    opens_on, deadline_on = _date(opens, "--opens"), _date(deadline, "--deadline")
    with app_context() as app:
        require_schema()
        session = database.session()
        found = session.scalar(select(Partnership).where(Partnership.slug == partnership))
        if found is None:
            fail(f"no partnership {partnership!r}")
        others = []
        for slug in joint:
            other = session.scalar(select(Partnership).where(Partnership.slug == slug))
            if other is None:
                fail(f"--joint-with: no partnership {slug!r} (`survey partnership list` shows them)")
            others.append(other)
        questionnaire = app.extensions["survey_catalogue"].get(questionnaire_id)
        if questionnaire is None:
            known = ", ".join(q.id for q in app.extensions["survey_catalogue"])
            fail(f"no questionnaire {questionnaire_id!r} (known: {known})")
        members = {a.name: (a, active) for a, active in session.execute(
            select(Agency, PartnershipAgency.active).join(PartnershipAgency).where(
                PartnershipAgency.partnership_id == found.id))}
        if agencies:
            unknown = [a for a in agencies if a not in members]
            if unknown:
                fail(f"unknown agencies for {found.name}: {', '.join(unknown)}")
            chosen = [members[a][0].id for a in agencies]
        else:
            chosen = [a.id for a, active in members.values() if active]
        try:
            created = rounds.create_round(session, found, questionnaire, title, opens_on, deadline_on, chosen,
                                          joint_with=others, deadline_passed_ok=deadline_passed_ok)
        except rounds.DeadlinePassed as exc:
            fail(f"{exc} (add --deadline-passed-ok)")
        except rounds.RoundError as exc:
            fail(str(exc))
        joint_text = f", {', '.join(o.name for o in others)} asked to run it jointly" if others else ""
        click.echo(f"created round {created.id}: {created.title} ({len(chosen)} agencies{joint_text}, draft)")


@round_group.command("open")
@click.argument("round_id", type=int)
@click.option("--on-opening-date", is_flag=True,
              help="Leave it to open by itself on its opening date (`survey worker` opens it) instead of now.")
@click.option("--deadline-passed-ok", is_flag=True, help="Open it even though its deadline has already passed.")
@click.option("--today", "today_text", help="Take this date (YYYY-MM-DD) as today.")
def round_open(round_id: int, on_opening_date: bool, deadline_passed_ok: bool, today_text: str | None) -> None:
    """Open a draft round and email everyone in its agencies (invitations for people without a password).

    Before its opening date it opens now and its opening date becomes today, unless --on-opening-date."""
    import datetime as dt

    from survey.extensions import db as database
    from survey.services import invitations, mail, rounds

    today = _date(today_text, "--today") if today_text else dt.date.today()
    with app_context() as app:
        require_schema()
        session = database.session()
        settings = mail.SmtpSettings.from_config(app.config)
        try:
            found = rounds.get_round(session, round_id)
            planned = found.opens_on
            batch = rounds.open_round(session, found, settings, invitations.composer(session, app.config),
                                      today=today, on_opening_date=on_opening_date,
                                      deadline_passed_ok=deadline_passed_ok)
        except rounds.DeadlinePassed as exc:
            fail(f"{exc} (add --deadline-passed-ok)")
        except rounds.RoundError as exc:
            fail(str(exc))
        if found.opens_by_itself:
            click.echo(f"round {round_id} will open by itself on {found.opens_on.isoformat()} "
                       "(when `survey worker` or `survey round open-due` runs that day)")
            return
        moved = f" (its opening date, {planned.isoformat()}, is now today)" if planned > today else ""
        told, _ = _send_batch(app, batch)
        click.echo(f"opened round {round_id}{moved}; {told}")


@round_group.command("open-due")
@click.option("--today", "today_text", help="Take this date (YYYY-MM-DD) as today.")
def round_open_due(today_text: str | None) -> None:
    """Open the rounds waiting to open by themselves whose opening date has come (the worker does this too)."""
    import datetime as dt

    today = _date(today_text, "--today") if today_text else dt.date.today()
    with app_context() as app:
        require_schema()
        opened = _open_due_rounds(app, today)
    for done in opened:
        click.echo(f"round {done.round_id} {done.title}: " + (f"not opened: {done.problem}" if done.problem
                                                               else f"opened; {done.told}"))
    if not opened:
        click.echo("no round is due to open")


def _open_due_rounds(app: Flask, today: Any = None) -> list[Any]:
    """Open the scheduled rounds due today and send their invitations; what happened to each."""
    import dataclasses

    from survey.extensions import db as database
    from survey.services import invitations, mail, rounds

    @dataclasses.dataclass(frozen=True)
    class Done:
        round_id: int
        title: str
        problem: str
        told: str

    session = database.session()
    settings = mail.SmtpSettings.from_config(app.config)
    out = []
    for opened in rounds.open_due(session, settings, invitations.composer(session, app.config), today):
        told = "" if opened.problem else _send_batch(app, opened.batch, "invitations")[0]
        out.append(Done(opened.round_id, opened.title, opened.problem, told))
    return out


@round_group.command("joint")
@click.argument("round_id", type=int)
@click.argument("decision", type=click.Choice(["accept", "decline"]))
@click.option("--partnership", required=True, help="The short name of the partnership that was asked.")
@click.option("--agency", "agencies", multiple=True, help="With accept: one of its agencies to take part (repeat).")
def round_joint(round_id: int, decision: str, partnership: str, agencies: tuple[str, ...]) -> None:
    """Answer a request to run a round jointly, for the partnership that was asked (as its manager would)."""
    from sqlalchemy import select

    from survey.extensions import db as database
    from survey.models import Agency, JointState, Partnership, PartnershipAgency, RoundPartnership
    from survey.services import invitations, joint_rounds, mail, rounds

    with app_context() as app:
        require_schema()
        session = database.session()
        found = session.scalar(select(Partnership).where(Partnership.slug == partnership))
        if found is None:
            fail(f"no partnership {partnership!r} (`survey partnership list` shows them)")
        joint = session.scalar(select(RoundPartnership).where(RoundPartnership.round_id == round_id,
                                                             RoundPartnership.partnership_id == found.id))
        if joint is None:
            fail(f"round {round_id} has not asked {found.name} to run it jointly")
        try:
            if decision == "decline":
                joint_rounds.decline(session, joint, by_person_id=None)
                click.echo(f"{found.name} declined round {round_id}")
                return
            own = {name: agency_id for name, agency_id in session.execute(
                select(Agency.name, Agency.id).join(PartnershipAgency).where(
                    PartnershipAgency.partnership_id == found.id))}
            unknown = [a for a in agencies if a not in own]
            if unknown or not agencies:
                fail(f"name {found.name}'s agencies to take part with --agency (unknown: {', '.join(unknown)})"
                     if unknown else "name at least one agency to take part with --agency")
            batch = joint_rounds.accept(session, joint, [own[a] for a in agencies], None,
                                        mail.SmtpSettings.from_config(app.config),
                                        invitations.composer(session, app.config))
        except rounds.RoundError as exc:
            fail(str(exc))
        assert joint.state is JointState.ACCEPTED  # noqa: S101 - accept() raised otherwise
        told, _ = _send_batch(app, batch)
        click.echo(f"{found.name} now runs round {round_id} jointly with {len(agencies)} agencies; {told}")


@round_group.command("close")
@click.argument("round_id", type=int)
def round_close(round_id: int) -> None:
    """Close an open round: its returns become read-only for good."""
    from survey.extensions import db as database
    from survey.services import rounds

    with app_context():
        require_schema()
        try:
            rounds.close_round(database.session(), rounds.get_round(database.session(), round_id))
        except rounds.RoundError as exc:
            fail(str(exc))
        click.echo(f"closed round {round_id}")


@round_group.command("results")
@click.argument("round_id", type=int)
@click.option("--ratings", type=click.Choice(["self", "moderated"]), default="self", show_default=True,
              help="The agencies' own ratings, or moderated ratings where the board has moderated.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def round_results(round_id: int, ratings: str, fmt: str) -> None:
    """The collated results of a round, as on the results page and in the board workbook.

    One row per section, duty and statement (submitted returns only). Rows the anonymity rules hide have no
    figures and say why in `note`."""
    import csv
    import io

    from survey.extensions import db as database
    from survey.services import results

    with app_context():
        require_schema()
        session = database.session()
        found = round_with_returns(session, round_id, "results")
        collated = results.results_for(session, found, moderated=ratings == "moderated")
        out = []
        for level, item, figures, _change in collated.rows():
            ident = item.id  # type: ignore[attr-defined]
            row = figures.to_json() if figures else {"level": level, "id": ident, "n": None, "mode": [],
                                                      "mode_label": "", "mean": None, "mean_label": "",
                                                      "range": None}
            row.update({"ratings": ratings, "note": collated.note(level, ident)})
            out.append(row)
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))
        return
    columns = ["level", "id", "n", "mode_label", "mean_label", "range", "note"]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([[r[c] if r[c] is not None else "" for c in columns] for r in out])
        click.echo(buffer.getvalue(), nl=False)
        return
    click.echo(f"{collated.round.title}: {collated.counted} of {collated.total} returns counted; figures from "
               f"{collated.ratings_kind}")
    for r in out:
        indent = {"section": "", "duty": "  ", "statement": "    "}[str(r["level"])]
        figures_text = (f"mode {r['mode_label']:5} mean {r['mean_label']:4} range {r['range']!s:4} n {r['n']}"
                        if r["n"] is not None and not r["note"] else str(r["note"]))
        click.echo(f"{indent}{str(r['id']):<{34 - len(indent)}} {figures_text}")


@round_group.command("status")
@click.argument("round_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def round_status(round_id: int, fmt: str) -> None:
    """Each agency's progress: status, share answered, last activity, submitted on and by."""
    from survey.extensions import db as database
    from survey.services import rounds

    with app_context():
        require_schema()
        try:
            report = rounds.status(database.session(), rounds.get_round(database.session(), round_id))
        except rounds.RoundError as exc:
            fail(str(exc))
    rows = [{"agency": r.agency, "status": r.status, "answered": r.answered, "statements": r.statements,
             "percent": r.percent, "last_activity": r.last_activity.isoformat() if r.last_activity else None,
             "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
             "submitted_by": r.submitted_by, "deadline": r.deadline.isoformat()} for r in report.rows]
    if fmt == "json":
        click.echo(json.dumps({"round": round_id, "title": report.round.title, "state": report.round.state.value,
                               "submitted": report.submitted, "returns": len(rows),
                               "percent_returned": report.percent_returned, "agencies": rows}, indent=2))
        return
    if fmt == "csv":
        import csv
        import io

        from survey.exports.cells import csv_cell

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["agency"], lineterminator="\n")
        writer.writeheader()
        writer.writerows([{k: csv_cell(v) for k, v in r.items()} for r in rows])
        click.echo(buffer.getvalue(), nl=False)
        return
    click.echo(f"{report.round.title} ({report.round.state.value}): {report.submitted} of {len(rows)} returned "
               f"({report.percent_returned}%)")
    width = max((len(r["agency"]) for r in rows), default=6)
    for r in rows:
        click.echo(f"  {r['agency'].ljust(width)}  {r['status']:<11} {r['percent']:>3}% answered"
                   f"{'  submitted by ' + r['submitted_by'] if r['submitted_by'] else ''}")


@main.command()
@click.option("--dry-run", is_flag=True, help="List the reminders due, send nothing.")
@click.option("--today", "today_text", help="Pretend today is this date (YYYY-MM-DD).")
def remind(dry_run: bool, today_text: str | None) -> None:
    """Send the reminders due: before the deadline (SURVEY_REMINDER_DAYS_BEFORE, default 7,1) and when overdue.

    Safe to run from cron every hour: each reminder goes to each person once."""
    import datetime as dt

    from survey.extensions import db as database
    from survey.services import invitations, mail, reminders

    today = _date(today_text, "--today") if today_text else dt.date.today()
    with app_context() as app:
        require_schema()
        try:
            days = [int(x) for x in str(app.config["REMINDER_DAYS_BEFORE"]).split(",") if x.strip()]
        except ValueError:
            fail(f"SURVEY_REMINDER_DAYS_BEFORE must be days separated by commas, like 7,1, not "
                 f"{app.config['REMINDER_DAYS_BEFORE']!r}")
        done, batch = reminders.send_due(database.session(), mail.SmtpSettings.from_config(app.config), today,
                                         days, invitations.reminder_composer(app.config), dry_run=dry_run)
        outcome, delivered = ("", True) if dry_run else _send_batch(app, batch, "reminders")
    people = sum(len(r.recipients) for r in done)
    verb = "would send" if dry_run else ("sent" if delivered else "queued")
    click.echo(f"{verb} {people} reminder(s) for {len(done)} return(s)")
    for r in done:
        click.echo(f"  {r.ret.round.title} – {r.ret.agency.name}: {r.kind.split(':')[1]} "
                   f"({len(r.recipients)} people)")
    if outcome:
        click.echo(outcome)
    if not delivered:
        sys.exit(1)


@main.command("export")
@click.argument("round_id", type=int)
@click.option("--out", type=click.Path(path_type=Path), help="The file to write (default exports/round-ID.xlsx).")
@click.option("--ratings", type=click.Choice(["self", "moderated"]), default="self", show_default=True,
              help="The agencies' own ratings, or moderated ratings where the board has moderated.")
def export(round_id: int, out: Path | None, ratings: str) -> None:
    """Write a round's board workbook: Summary, a sheet per section, Commentary, Responses, Development, About.

    Figures follow the results page: submitted returns only, and nothing collated below the anonymity threshold."""
    from survey.config import ROOT
    from survey.extensions import db as database
    from survey.services import board_export

    target = _xlsx_target(out or ROOT / "exports" / f"round-{round_id}.xlsx", "board workbook")
    with app_context() as app:
        require_schema()
        session = database.session()
        found = round_with_returns(session, round_id, "returns to export")
        with ProgressBar("writing responses") as progress:
            _write_binary(target, lambda handle: board_export.export_round(
                session, found, handle, app.config["SECRET_KEY"], progress, moderated=ratings == "moderated"))
    click.echo(f"wrote {target}")


@main.command("return-workbook")
@click.argument("round_id", type=int)
@click.argument("agency")
@click.option("--out", type=click.Path(path_type=Path),
              help="The file to write (default exports/return-ROUND-AGENCYID.xlsx).")
def return_workbook(round_id: int, agency: str, out: Path | None) -> None:
    """Write an agency's return as an Excel workbook to complete offline (AGENCY: its name or id).

    The current answers are filled in; only answer cells can be edited; `survey import-return` reads it back."""
    from sqlalchemy import func, select

    from survey.config import ROOT
    from survey.extensions import db as database
    from survey.models import Agency, Return
    from survey.services import return_workbooks, rounds

    with app_context() as app:
        require_schema()
        session = database.session()
        try:
            found = rounds.get_round(session, round_id)
        except rounds.RoundError as exc:
            fail(str(exc))
        condition = Agency.id == int(agency) if agency.isdigit() else func.lower(Agency.name) == agency.lower()
        ret = session.scalar(select(Return).join(Agency).where(Return.round_id == found.id, condition))
        if ret is None:
            fail(f"{agency!r} has no return in round {round_id}; `survey round status {round_id}` lists its agencies")
        target = _xlsx_target(out or ROOT / "exports" / f"return-{round_id}-{ret.agency_id}.xlsx", "workbook")
        _write_binary(target, lambda handle: return_workbooks.write(session, ret, app.config["SECRET_KEY"], handle))
    click.echo(f"wrote {target}")


@main.command("import-return")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what it would change; save nothing.")
@click.option("--overwrite-conflicts", is_flag=True,
              help="Where an answer changed online since the download too, keep the file's version.")
def import_return(file: Path, dry_run: bool, overwrite_conflicts: bool) -> None:
    """Import a return workbook made by `survey return-workbook` or downloaded from the return's page.

    Every cell is checked first; nothing is saved unless the whole file is valid. Answers changed online since the
    download are listed as conflicts and left alone unless --overwrite-conflicts is given."""
    from survey.exports.return_workbook import WorkbookError
    from survey.extensions import db as database
    from survey.services import return_workbooks
    from survey.services.returns import ReadOnly

    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    with app_context() as app:
        require_schema()
        session = database.session()
        try:
            planned = return_workbooks.plan(session, data, file.name, app.config["SECRET_KEY"])
        except WorkbookError as exc:
            for problem in exc.problems[:-1]:
                click.echo(problem, err=True)
            more = f" (and {len(exc.problems) - 1} more above)" if len(exc.problems) > 1 else ""
            fail(f"{exc.problems[-1]}{more}; nothing was saved")
        ret = planned.ret
        for conflict in planned.conflicts:
            click.echo(f"conflict: {conflict.statement_id} was changed online by {conflict.their_name} since the "
                       f"workbook was downloaded", err=True)
        if dry_run:
            click.echo(f"would change {len(planned.changes)} statement(s) of {ret.agency.name}'s return; "
                       f"{len(planned.conflicts)} conflict(s)")
            return
        if planned.conflicts and not overwrite_conflicts:
            fail(f"{len(planned.conflicts)} answer(s) changed online since the download; nothing was saved. "
                 "Check them, then run again with --overwrite-conflicts to keep the file's version")
        overwrite = frozenset(c.statement_id for c in planned.conflicts)
        try:
            result = return_workbooks.apply(session, planned, return_workbooks.system_principal(ret), overwrite)
        except ReadOnly as exc:
            fail(str(exc))
        click.echo(f"saved {len(result.saved)} statement(s) of {ret.agency.name}'s return for {ret.round.title}")


@main.group("questionnaire")
def questionnaire_group() -> None:
    """Questionnaire definitions."""


@questionnaire_group.command("from-xlsx")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--id", "questionnaire_id", required=True, help="The new questionnaire's id, e.g. our-self-assessment.")
@click.option("--title", required=True, help="Its title, e.g. 'Board self-assessment'.")
@click.option("--version", default="1", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="The YAML file to write (default: standard output).")
def questionnaire_from_xlsx(file: Path, questionnaire_id: str, title: str, version: str, out: Path | None) -> None:
    """Turn a simple spreadsheet (columns section, duty, statement id, text, guidance) into a YAML definition.

    The board's usual 1-4 scale (poor, adequate, good, outstanding) is used; edit the YAML to change it. The
    result is checked as `survey validate` would."""
    from survey.definitions.from_sheet import SheetError, definition_from_sheet

    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    try:
        text = definition_from_sheet(data, file.name, questionnaire_id, title, version)
    except SheetError as exc:
        for problem in exc.problems[:-1]:
            click.echo(problem, err=True)
        fail(exc.problems[-1])
    _write(text, out)


@main.group()
def agencies() -> None:
    """A partnership's agencies and people."""


@agencies.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--partnership", required=True, help="The partnership's short name (slug), e.g. southend.")
@click.option("--dry-run", is_flag=True, help="Check the file and say what it would add; save nothing.")
def agencies_import(file: Path, partnership: str, dry_run: bool) -> None:
    """Import agencies and people from a CSV or XLSX file (columns agency, type, name, email, role).

    Every row is checked first; nothing is saved unless the whole file is valid."""
    from sqlalchemy import select

    from survey.extensions import db as database
    from survey.models import Partnership
    from survey.services import directory

    with app_context():
        require_schema()
        session = database.session()
        found = session.scalar(select(Partnership).where(Partnership.slug == partnership))
        if found is None:
            fail(f"no partnership {partnership!r}")
        try:
            with ProgressBar("checking rows") as progress:
                plan = directory.import_file(session, found, file, dry_run=dry_run, progress=progress)
        except directory.DirectoryImportError as exc:
            for problem in exc.problems[:-1]:
                click.echo(problem, err=True)
            more = f" (and {len(exc.problems) - 1} more above)" if len(exc.problems) > 1 else ""
            fail(f"{exc.problems[-1]}{more}; nothing was saved")
        click.echo(f"{'would add' if dry_run else 'added'}: {plan.summary()}")
