"""A contributor tells the agency's leads that a return is complete and ready for them to sign off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import AuditEvent, Person, Return, Role, RoleAssignment, as_utc, utcnow
from survey.services import mail
from survey.services.access import Principal
from survey.services.definitions import questionnaire_of
from survey.services.returns import is_editable, missing

AGAIN_AFTER = dt.timedelta(hours=1)  # one person pressing twice, or two colleagues, tell the leads once an hour


class NotReady(Exception):
    """The leads cannot be told (yet); the message says why."""


def leads_of(session: Session, ret: Return) -> list[Person]:
    """The active leads of the return's agency, for the partnership the return answers for."""
    return list(session.scalars(
        select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.agency_id == ret.agency_id, RoleAssignment.partnership_id == ret.partnership_id,
               RoleAssignment.role == Role.LEAD, RoleAssignment.active.is_(True), Person.active.is_(True))
        .distinct().order_by(Person.name)))


def told_at(session: Session, ret: Return) -> dt.datetime | None:
    """When the leads were last told that this return is ready."""
    found = session.scalar(select(AuditEvent.at).where(AuditEvent.return_id == ret.id,
                                                       AuditEvent.action == "return.ready_for_sign_off")
                           .order_by(AuditEvent.at.desc()).limit(1))
    return as_utc(found) if found is not None else None


@use_case
def tell_leads(session: Session, ret: Return, principal: Principal, settings: mail.SmtpSettings,
               compose: Callable[[Person, Return, str], mail.Outgoing]) -> tuple[mail.Batch, list[Person]]:
    """Email the agency's leads that the return is ready (queued with the audit entry); the emails and the leads."""
    if not principal.can_edit_return(ret):
        raise NotReady("Only people in the agency can say its return is ready")
    if not is_editable(ret):
        raise NotReady("This return can no longer be changed, so there is nothing to sign off")
    if missing(ret, questionnaire_of(ret.round.definition_version)):
        raise NotReady("The return is not complete yet: finish what is listed above first")
    last = told_at(session, ret)
    if last is not None and utcnow() - last < AGAIN_AFTER:
        raise NotReady("Your agency's leads were told less than an hour ago")
    leads = [p for p in leads_of(session, ret) if p.id != principal.person_id]
    if not leads:
        raise NotReady("Your agency has no lead for this partnership yet: ask your board manager to name one")
    session.add(AuditEvent(person_id=principal.person_id, action="return.ready_for_sign_off", round_id=ret.round_id,
                           return_id=ret.id, object_type="return", object_id=str(ret.id),
                           new={"leads": [p.email for p in leads]}))
    return mail.send(session, settings, [compose(lead, ret, principal.name) for lead in leads]), leads
