"""Following the board's actions over the years: a colour set by hand with its reason, notes of progress with
evidence links, and the open actions of earlier rounds carried into each later round of the same questionnaire."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.db import use_case
from survey.models import (
    ActionNote,
    ActionStatus,
    AreaAction,
    AuditEvent,
    DevelopmentArea,
    Round,
)
from survey.rag import Rag
from survey.services.round_history import earlier_rounds
from survey.text import first_bad_link, link_problem

NOTE_MAX = 4000
REASON_MAX = 1000
LINKS_MAX = 20
LINK_MAX = 2000


class FollowUpError(Exception):
    """A note or a colour that cannot be saved; the message says why, `field` where."""

    def __init__(self, message: str, field: str = "") -> None:
        self.field = field
        super().__init__(message)


@use_case
def set_rag(session: Session, action: AreaAction, colour: str, reason: str, by_person_id: int | None) -> AreaAction:
    """Set an action's colour by hand, with the reason ("" for the colour worked out from its date and status)."""
    colour, reason = colour.strip().lower(), " ".join(reason.split())
    old = {"rag": action.rag_override or "worked out", "reason": action.rag_reason}
    if colour in ("", "auto"):
        action.rag_override, action.rag_reason = None, ""
    else:
        if colour not in {c.value for c in Rag}:
            raise FollowUpError("Choose red, amber, green, or the colour worked out from the due date", "colour")
        if not reason:
            raise FollowUpError("Say why the board sets this colour", "reason")
        if len(reason) > REASON_MAX:
            raise FollowUpError(f"The reason must be {REASON_MAX} characters or fewer", "reason")
        action.rag_override, action.rag_reason = colour, reason
    session.add(AuditEvent(person_id=by_person_id, action="action.rag_set", round_id=action.area.round_id,
                           object_type="area_action", object_id=str(action.id), old=old,
                           new={"rag": action.rag_override or "worked out", "reason": action.rag_reason}))
    return action


@use_case
def add_note(session: Session, action: AreaAction, text: str, links: str, by_person_id: int | None) -> ActionNote:
    """Add a note of progress to an action, with links to its evidence (one per line, https:// or http://)."""
    text = text.strip()
    kept = [line.strip() for line in links.splitlines() if line.strip()]
    if not text:
        raise FollowUpError("Say what has happened", "text")
    if len(text) > NOTE_MAX:
        raise FollowUpError(f"The note must be {NOTE_MAX} characters or fewer", "text")
    bad = first_bad_link(links)
    if bad is not None:
        raise FollowUpError(link_problem(bad), "links")
    if len(kept) > LINKS_MAX or any(len(line) > LINK_MAX for line in kept):
        raise FollowUpError(f"Give at most {LINKS_MAX} links, each {LINK_MAX} characters or fewer", "links")
    note = ActionNote(action=action, text=text, evidence_links="\n".join(kept), by_id=by_person_id)
    session.add(note)
    session.flush()
    session.add(AuditEvent(person_id=by_person_id, action="action.note_added", round_id=action.area.round_id,
                           object_type="area_action", object_id=str(action.id),
                           new={"note": note.id, "links": len(kept)}))
    return note


def carried_areas(session: Session, round_: Round) -> list[DevelopmentArea]:
    """Areas of earlier rounds of the same questionnaire with actions still open: the part of their plan this
    round carries on (the actions are the same rows, so their notes and history come with them)."""
    earlier = [r.id for r in earlier_rounds(session, round_)]
    if not earlier:
        return []
    areas = session.scalars(select(DevelopmentArea).where(DevelopmentArea.round_id.in_(earlier))
                            .options(selectinload(DevelopmentArea.actions).selectinload(AreaAction.notes),
                                     selectinload(DevelopmentArea.actions).selectinload(AreaAction.owner_agency),
                                     selectinload(DevelopmentArea.round))
                            .order_by(DevelopmentArea.round_id, DevelopmentArea.id))
    return [a for a in areas if any(x.status is not ActionStatus.DONE for x in a.actions)]


def open_actions(area: DevelopmentArea) -> list[AreaAction]:
    """An area's actions not yet done."""
    return [x for x in area.actions if x.status is not ActionStatus.DONE]


__all__ = ["FollowUpError", "add_note", "carried_areas", "open_actions", "set_rag"]
