"""`survey round ...` and `survey remind`: rounds from creation to close, and their reminders."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import sys
from typing import Any

import click
from flask import Flask

from survey.cli.app import app_context, partnership_named, require_schema, round_with_returns
from survey.cli.base import fail, main, parse_date, print_table
from survey.cli.outbox import send_batch
from survey.exports.cells import csv_cell
from survey.extensions import db as database
from survey.models import JointState
from survey.services import agencies as agencies_service
from survey.services import (
    board_questionnaires,
    invitations,
    joint_rounds,
    mail,
    reminders,
    results,
    round_reopening,
    rounds,
)
from survey.text import possessive


@main.group("round")
def round_group() -> None:
    """Create, open, close and follow rounds."""


@round_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def round_list(fmt: str) -> None:
    """One row per round: id, partnership, questionnaire, title, state, returns submitted of total."""
    with app_context():
        require_schema()
        rows = rounds.list_rounds(database.session())
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    print_table([("id", "partnership", "questionnaire", "title", "state", "submitted")] + [
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
    opens_on, deadline_on = parse_date(opens, "--opens"), parse_date(deadline, "--deadline")
    with app_context() as app:
        require_schema()
        session = database.session()
        found = partnership_named(session, partnership)
        others = [partnership_named(session, slug, "--joint-with") for slug in joint]
        # The board's own newest published version comes first (see "Your questionnaires"), then the shipped one.
        questionnaire = (board_questionnaires.newest(session, found.id, questionnaire_id)
                         or app.extensions["survey_catalogue"].get(questionnaire_id))
        if questionnaire is None:
            known = sorted({q.id for q in app.extensions["survey_catalogue"]}
                           | {q.id for _, q in board_questionnaires.offered(session, found.id)})
            fail(f"no questionnaire {questionnaire_id!r} (known: {', '.join(known)})")
        members = agencies_service.agencies_by_name(session, found.id)
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
        click.echo(f"questionnaire: {questionnaire.title}, version {questionnaire.version}")


@round_group.command("open")
@click.argument("round_id", type=int)
@click.option("--on-opening-date", is_flag=True,
              help="Leave it to open by itself on its opening date (`survey worker` opens it) instead of now.")
@click.option("--deadline-passed-ok", is_flag=True, help="Open it even though its deadline has already passed.")
@click.option("--today", "today_text", help="Take this date (YYYY-MM-DD) as today.")
def round_open(round_id: int, on_opening_date: bool, deadline_passed_ok: bool, today_text: str | None) -> None:
    """Open a draft round and email everyone in its agencies (invitations for people without a password).

    Before its opening date it opens now and its opening date becomes today, unless --on-opening-date."""
    today = parse_date(today_text, "--today") if today_text else dt.date.today()
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
        told, _ = send_batch(app, batch)
        click.echo(f"opened round {round_id}{moved}; {told}")


@round_group.command("open-due")
@click.option("--today", "today_text", help="Take this date (YYYY-MM-DD) as today.")
def round_open_due(today_text: str | None) -> None:
    """Open the rounds waiting to open by themselves whose opening date has come (the worker does this too)."""
    today = parse_date(today_text, "--today") if today_text else dt.date.today()
    with app_context() as app:
        require_schema()
        opened = open_due_rounds(app, today)
    for done in opened:
        click.echo(f"round {done.round_id} {done.title}: " + (f"not opened: {done.problem}" if done.problem
                                                               else f"opened; {done.told}"))
    if not opened:
        click.echo("no round is due to open")


def open_due_rounds(app: Flask, today: Any = None) -> list[Any]:
    """Open the scheduled rounds due today and send their invitations; what happened to each."""
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
        told = "" if opened.problem else send_batch(app, opened.batch, "invitations")[0]
        out.append(Done(opened.round_id, opened.title, opened.problem, told))
    return out


@round_group.command("joint")
@click.argument("round_id", type=int)
@click.argument("decision", type=click.Choice(["accept", "decline"]))
@click.option("--partnership", required=True, help="The short name of the partnership that was asked.")
@click.option("--agency", "agencies", multiple=True, help="With accept: one of its agencies to take part (repeat).")
def round_joint(round_id: int, decision: str, partnership: str, agencies: tuple[str, ...]) -> None:
    """Answer a request to run a round jointly, for the partnership that was asked (as its manager would)."""
    with app_context() as app:
        require_schema()
        session = database.session()
        found = partnership_named(session, partnership)
        joint = joint_rounds.request_to(session, round_id, found.id)
        if joint is None:
            fail(f"round {round_id} has not asked {found.name} to run it jointly")
        try:
            if decision == "decline":
                joint_rounds.decline(session, joint, by_person_id=None)
                click.echo(f"{found.name} declined round {round_id}")
                return
            own = {name: a.id for name, (a, _) in agencies_service.agencies_by_name(session, found.id).items()}
            unknown = [a for a in agencies if a not in own]
            if unknown or not agencies:
                fail(f"name {possessive(found.name)} agencies to take part with --agency "
                     f"(unknown: {', '.join(unknown)})"
                     if unknown else "name at least one agency to take part with --agency")
            batch = joint_rounds.accept(session, joint, [own[a] for a in agencies], None,
                                        mail.SmtpSettings.from_config(app.config),
                                        invitations.composer(session, app.config))
        except rounds.RoundError as exc:
            fail(str(exc))
        assert joint.state is JointState.ACCEPTED  # noqa: S101 - accept() raised otherwise
        told, _ = send_batch(app, batch)
        click.echo(f"{found.name} now runs round {round_id} jointly with {len(agencies)} agencies; {told}")


@round_group.command("close")
@click.argument("round_id", type=int)
def round_close(round_id: int) -> None:
    """Close an open round: its returns become read-only (until `survey round reopen`)."""
    with app_context():
        require_schema()
        try:
            rounds.close_round(database.session(), rounds.get_round(database.session(), round_id))
        except rounds.RoundError as exc:
            fail(str(exc))
        click.echo(f"closed round {round_id}")


@round_group.command("reopen")
@click.argument("round_id", type=int)
@click.option("--reason", required=True, help="Why it reopens (kept in the audit log).")
def round_reopen(round_id: int, reason: str) -> None:
    """Open a closed round again; the chair keeps seeing its final results until the next publication."""
    with app_context():
        require_schema()
        try:
            round_reopening.reopen_round(database.session(), rounds.get_round(database.session(), round_id), reason)
        except rounds.RoundError as exc:
            fail(str(exc))
        click.echo(f"reopened round {round_id}")


@round_group.command("results")
@click.argument("round_id", type=int)
@click.option("--ratings", type=click.Choice(["self", "moderated"]), default="self", show_default=True,
              help="The agencies' own ratings, or moderated ratings where the board has moderated.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def round_results(round_id: int, ratings: str, fmt: str) -> None:
    """The collated results of a round, as on the results page and in the board workbook.

    One row per section, duty and statement (submitted returns only). Rows the anonymity rules hide have no
    figures (n is null) and say why in `note`; a row nobody rated has n 0 and the note "no ratings"."""
    with app_context():
        require_schema()
        session = database.session()
        found = round_with_returns(session, round_id, "results")
        collated = results.results_for(session, found, moderated=ratings == "moderated")
        out = []
        for level, item, figures, _change in collated.rows():
            ident = item.id
            # The shape of `survey score`: n is 0 where nobody rated, and null only where figures are withheld.
            shown = figures or collated.unrated(level, ident)
            row = shown.to_json() if shown else {"level": level, "id": ident, "n": None, "mode": [],
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
        writer.writerows([[csv_cell(r[c]) if r[c] is not None else "" for c in columns] for r in out])
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
    with app_context():
        require_schema()
        try:
            report = rounds.status(database.session(), rounds.get_round(database.session(), round_id))
        except rounds.RoundError as exc:
            fail(str(exc))
    rows = [{"agency": r.agency, "status": r.status, "answered": r.answered, "statements": r.statements,
             "percent": r.percent, "last_activity": r.last_activity.isoformat() if r.last_activity else None,
             "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
             "submitted_by": r.submitted_by, "deadline": r.deadline.isoformat(), "stage": r.stage,
             "late": r.late} for r in report.rows]
    if fmt == "json":
        click.echo(json.dumps({"round": round_id, "title": report.round.title, "state": report.round.state.value,
                               "submitted": report.submitted, "returns": len(rows),
                               "percent_returned": report.percent_returned, "agencies": rows}, indent=2))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["agency"], lineterminator="\n")
        writer.writeheader()
        writer.writerows([{k: csv_cell(v) for k, v in r.items()} for r in rows])
        click.echo(buffer.getvalue(), nl=False)
        return
    click.echo(f"{report.round.title} ({report.round.state.value}): {report.submitted} of {len(rows)} returned "
               f"({report.percent_returned}%)")
    width = max((len(r.agency) for r in report.rows), default=6)
    for r in report.rows:
        click.echo(f"  {r.agency.ljust(width)}  {r.status:<11} {r.percent:>3}% answered"
                   f"{'  submitted by ' + r.submitted_by if r.submitted_by else ''}")


@main.command()
@click.option("--dry-run", is_flag=True, help="List the reminders due, send nothing.")
@click.option("--today", "today_text", help="Pretend today is this date (YYYY-MM-DD).")
def remind(dry_run: bool, today_text: str | None) -> None:
    """Send the reminders due: before the deadline (SURVEY_REMINDER_DAYS_BEFORE, default 7,1) and when overdue.

    Safe to run from cron every hour: each reminder goes to each person once."""
    today = parse_date(today_text, "--today") if today_text else dt.date.today()
    with app_context() as app:
        require_schema()
        try:
            days = [int(x) for x in str(app.config["REMINDER_DAYS_BEFORE"]).split(",") if x.strip()]
        except ValueError:
            fail(f"SURVEY_REMINDER_DAYS_BEFORE must be days separated by commas, like 7,1, not "
                 f"{app.config['REMINDER_DAYS_BEFORE']!r}")
        done, batch = reminders.send_due(database.session(), mail.SmtpSettings.from_config(app.config), today,
                                         days, invitations.reminder_composer(app.config), dry_run=dry_run)
        outcome, delivered = ("", True) if dry_run else send_batch(app, batch, "reminders")
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


