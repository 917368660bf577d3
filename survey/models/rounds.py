"""Rounds: one run of a questionnaire for a set of agencies."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ColumnElement, Enum, ForeignKey, String, Text, UniqueConstraint, and_, false, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk

if TYPE_CHECKING:
    from .definitions import DefinitionVersion
    from .people import Partnership
    from .returns import Return


class RoundState(enum.Enum):
    """Where a round is in its life."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Round(Base):
    """A run of one pinned definition version, owned by a partnership (others may join a joint round)."""

    __tablename__ = "survey_round"

    id: Mapped[intpk]
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    definition_version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[dt.date]
    deadline: Mapped[dt.date]
    state: Mapped[RoundState] = mapped_column(
        Enum(RoundState, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e],
             validate_strings=True),
        default=RoundState.DRAFT,
    )
    created_at: Mapped[created]
    opened_at: Mapped[dt.datetime | None]
    # A draft the manager asked to open on its opening date: `survey worker` (or `survey round open-due`) opens it.
    opens_by_itself: Mapped[bool] = mapped_column(default=False, server_default=false())
    closed_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    # Days after closing when the free text of answers is anonymised (None: the installation's default).
    retention_days: Mapped[int | None]
    anonymised_at: Mapped[dt.datetime | None]

    partnership: Mapped[Partnership] = relationship()
    definition_version: Mapped[DefinitionVersion] = relationship()
    joint_partnerships: Mapped[list[RoundPartnership]] = relationship(back_populates="round")
    returns: Mapped[list[Return]] = relationship(back_populates="round")

    @property
    def accepted_joints(self) -> list[RoundPartnership]:
        """The other partnerships that have agreed to run the round jointly."""
        return [joint for joint in self.joint_partnerships if joint.state is JointState.ACCEPTED]

    @property
    def partnership_ids(self) -> frozenset[int]:
        """The partnership that owns the round and any that have agreed to run it jointly with it."""
        return frozenset({self.partnership_id, *(joint.partnership_id for joint in self.accepted_joints)})

    @property
    def partnership_names(self) -> list[str]:
        """The owner's name, then the joint partnerships' names in alphabetical order."""
        return [self.partnership.name, *sorted(joint.partnership.name for joint in self.accepted_joints)]

    @property
    def partnerships_text(self) -> str:
        """The partnerships running the round, in words: "A", "A and B", "A, B and C"."""
        names = self.partnership_names
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    def run_by(self, partnership_ids: Iterable[int]) -> bool:
        """Whether any of these partnerships runs the round, alone or jointly."""
        return not self.partnership_ids.isdisjoint(partnership_ids)

    @classmethod
    def run_by_any(cls, partnership_ids: Iterable[int]) -> ColumnElement[bool]:
        """SQL for `run_by`: rounds that any of these partnerships owns or has agreed to join."""
        ids = list(partnership_ids)
        return or_(cls.partnership_id.in_(ids), cls.joint_partnerships.any(
            and_(RoundPartnership.partnership_id.in_(ids), RoundPartnership.state == JointState.ACCEPTED)))


class JointState(enum.Enum):
    """Where another partnership's agreement to run a round jointly stands."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class RoundPartnership(Base):
    """Another partnership asked to run a round jointly; it takes part only once its manager has accepted."""

    __tablename__ = "round_partnership"
    __table_args__ = (UniqueConstraint("round_id", "partnership_id"),)

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    state: Mapped[JointState] = mapped_column(
        Enum(JointState, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e],
             validate_strings=True),
        default=JointState.PROPOSED)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[dt.datetime | None]

    round: Mapped[Round] = relationship(back_populates="joint_partnerships")
    partnership: Mapped[Partnership] = relationship()


class Publication(Base):
    """Results released to the chair: which returns they were collated from, frozen when released.

    The chair's pages and downloads show the newest publication of an open round, never live figures, so that
    two pages saved a day apart differ only by a later publication; a closed round's final results are compared
    with every publication before them (survey.disclosure)."""

    __tablename__ = "publication"

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    created_at: Mapped[created]
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    return_ids: Mapped[list[int]] = mapped_column(JSON)
    # Why the manager released this with fewer than k returns more than the last one ("" when they did not).
    risk_reason: Mapped[str] = mapped_column(Text, default="")
    final: Mapped[bool] = mapped_column(default=False)  # released after the round closed
    # Withdrawn by the manager (published by mistake): the chair no longer sees it, but has read it, so every later
    # release is still compared with it.
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
