"""The emails that open a round or give a role: an invitation with a password link for new people, a notice for
others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from survey.db import use_case
from survey.links import base_url
from survey.models import Agency, Partnership, Person, Role, Round
from survey.services import accounts, agencies, board_email, email_texts, mail
from survey.services.definitions import questionnaire_of


def composer(session: Session, config: Any) -> Any:
    """A function writing one person's email about the rounds just open to them, each with the agency (or
    agencies) they answer it for: one email, however many rounds (needs an app context for the templates)."""
    base = base_url(config)

    def compose(person: Person, opened: Sequence[tuple[Round, str]]) -> mail.Outgoing:
        link = password_link(session, person, config)
        first, agency = opened[0]
        board = board_email.board_of(first, first.partnership_id)
        # The board's own text is for an email about one round; a list of several keeps the standard wording.
        own = board_email.own_text(board, "invitation", {
            "name": person.name, "partnership": first.partnerships_text, "round": first.title, "agency": agency,
            "deadline": first.deadline.strftime("%-d %B %Y")}) if len(opened) == 1 else ""
        body = email_texts.render("round_opened.txt", config, person=person, opened=opened, invite_link=link,
                               home=f"{base}/agency/", days=accounts.INVITATION_DAYS, own=own)
        what = (f"{first.title} is open for {agency}" if len(opened) == 1 else
                f"{len(opened)} rounds are open for you")
        return board_email.signed(mail.Outgoing(
            person.email, f"{'Invitation: ' if link else ''}{what}", body, "invitation" if link else "round_opened",
            first.id if len(opened) == 1 else None), board)

    return compose


def reminder_composer(config: Any) -> Any:
    """A function writing one reminder email (needs an app context for the template)."""
    base = base_url(config)

    def compose(person: Person, reminder: Any) -> mail.Outgoing:
        ret = reminder.ret
        board = board_email.board_of(ret, ret.partnership_id)
        deadline = ret.deadline_extended_to or ret.round.deadline
        values = {"name": person.name, "partnership": ret.round.partnerships_text, "round": ret.round.title,
                  "agency": ret.agency.name, "deadline": deadline.strftime("%-d %B %Y")}
        own = (board_email.own_text(board, "overdue", {**values, "days_overdue": str(-reminder.days_left)})
               if reminder.days_left < 0 else
               board_email.own_text(board, "reminder", {**values, "days_left": str(reminder.days_left)}))
        body = email_texts.render("reminder.txt", config, person=person, ret=ret, days_left=reminder.days_left,
                               link=f"{base}/agency/returns/{ret.id}", own=own)
        when = ("is overdue" if reminder.days_left < 0 else
                "is due today" if reminder.days_left == 0 else
                f"is due in {reminder.days_left} day{'s' if reminder.days_left != 1 else ''}")
        return board_email.signed(mail.Outgoing(
            person.email, f"Reminder: {ret.round.title} {when} – {ret.agency.name}", body, reminder.kind,
            ret.round_id, ret.id), board)

    return compose


def _return_notice(config: Any, template: str, subject: str, kind: str) -> Any:
    """A function writing an email to an agency's people about their return (`subject` before the titles)."""
    base = base_url(config)

    def compose(person: Person, ret: Any) -> mail.Outgoing:
        body = email_texts.render(template, config, person=person, ret=ret, link=f"{base}/agency/returns/{ret.id}")
        return board_email.signed(mail.Outgoing(
            person.email, f"{subject}: {ret.round.title} – {ret.agency.name}", body, kind, ret.round_id, ret.id),
            board_email.board_of(ret, ret.partnership_id))

    return compose


def reopened_composer(config: Any) -> Any:
    """A function writing the email that tells an agency its return was reopened."""
    return _return_notice(config, "reopened.txt", "Reopened", "reopened")


def extension_composer(config: Any) -> Any:
    """A function writing the email that tells an agency of its new deadline and why."""
    return _return_notice(config, "extended.txt", "More time", "extension")


def challenge_composer(config: Any) -> Any:
    """A function writing the email about the newest message of a challenge: the board's question or follow-up
    (to the agency's leads) or the agency's answer (to the partnership's managers)."""
    base = base_url(config)

    def compose(person: Person, challenge: Any) -> mail.Outgoing:
        ret = challenge.return_
        latest = challenge.messages[-1]
        statement = questionnaire_of(ret.round.definition_version).statement_text(challenge.statement_id)
        if not latest.from_board:  # the agency's answer, to the partnership's managers
            body = email_texts.render("challenge_answered.txt", config, person=person, ret=ret, statement=statement,
                                   message=latest.body, link=f"{base}/manager/challenges/{challenge.id}")
            return mail.Outgoing(person.email, f"Answered: {ret.round.title} – {ret.agency.name}", body,
                                 "challenge_answered", ret.round_id, ret.id)
        followup = len(challenge.messages) > 1
        body = email_texts.render("challenge.txt", config, person=person, ret=ret, statement=statement,
                               message=latest.body, followup=followup,
                               link=f"{base}/agency/returns/{ret.id}/challenges/{challenge.id}")
        subject = f"{'Follow-up' if followup else 'Challenge'}: {ret.round.title} – {ret.agency.name}"
        return board_email.signed(mail.Outgoing(person.email, subject, body, "challenge", ret.round_id, ret.id),
                                  board_email.board_of(ret, ret.partnership_id))

    return compose


def ready_composer(config: Any) -> Any:
    """A function writing the email telling an agency lead that a colleague says a return is ready to sign off."""
    base = base_url(config)

    def compose(person: Person, ret: Any, by: str) -> mail.Outgoing:
        body = email_texts.render("ready_for_sign_off.txt", config, person=person, ret=ret, by=by,
                                  link=f"{base}/agency/returns/{ret.id}/check")
        return board_email.signed(mail.Outgoing(person.email, f"Ready to sign off: {ret.round.title} – "
                                                f"{ret.agency.name}", body, "ready_for_sign_off", ret.round_id,
                                                ret.id), board_email.board_of(ret, ret.partnership_id))

    return compose


def password_link(session: Session, person: Person, config: Any) -> str | None:
    """A link to create a password, for someone who has never set one (None for anyone else)."""
    if person.password_hash:
        return None
    token = accounts.issue_link_token(session, person, "invite", config["SECRET_KEY"])
    return f"{base_url(config)}/set-password/invite/{token}"


@use_case
def issue_password_link(session: Session, person: Person, config: Any) -> str | None:
    """`password_link` as a use case of its own (the command line prints it for the person)."""
    return password_link(session, person, config)


def role_granted(session: Session, person: Person, what: str, config: Any) -> mail.Outgoing:
    """The email telling someone of a role they were given ("manager of ..."), with a password link if needed
    (needs an app context for the template)."""
    link = password_link(session, person, config)
    body = email_texts.render("invitation.txt", config, person=person, what=what, link=link,
                           days=accounts.INVITATION_DAYS,
                           sign_in=f"{base_url(config)}/sign-in")
    subject = f"{'Invitation: ' if link else ''}you are now {what}"
    return mail.Outgoing(person.email, subject, body, "invitation" if link else "role_granted")


@dataclass(frozen=True, slots=True)
class Joined:
    """A person given a membership, and what they were emailed about it."""

    added: agencies.Added
    rounds: tuple[Round, ...]  # the open rounds they were invited to (none: told of the role, or nothing)
    batch: mail.Batch


@use_case
def add_member(session: Session, agency: Agency, partnership_id: int, name: str, email: str, role: Role,
               config: Any, by_person_id: int | None) -> Joined:
    """Give someone a membership of an agency and, in the same unit of work, queue their one email: an
    invitation listing the agency's open rounds for the partnership, or, for someone who already had an account
    and has no round to join, word of the new role."""
    added = agencies.add_person(session, agency, partnership_id, name, email, role, by_person_id)
    settings = mail.SmtpSettings.from_config(config)
    open_rounds = agencies.open_rounds_for(session, agency, frozenset({partnership_id}))
    person = added.person
    if open_rounds and person.active:
        batch = mail.send(session, settings, [composer(session, config)(person, [(r, agency.name)
                                                                                 for r in open_rounds])])
        return Joined(added, tuple(open_rounds), batch)
    if added.existing_account:
        partnership = session.get(Partnership, partnership_id)
        what = f"{role.value} for {agency.name} ({partnership.name if partnership else ''})"
        return Joined(added, (), mail.send(session, settings, [role_granted(session, person, what, config)]))
    return Joined(added, (), mail.Batch())
