"""Partnerships, agencies, people and the roles people hold."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Enum, ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, name_str


class Role(enum.Enum):
    """What a person may do; agency roles are held per agency, the others per partnership."""

    CONTRIBUTOR = "contributor"
    LEAD = "lead"
    MANAGER = "manager"
    CHAIR = "chair"
    ADMIN = "admin"


class Partnership(Base):
    """A safeguarding children board or partnership; one installation may serve several."""

    __tablename__ = "partnership"

    id: Mapped[intpk]
    name: Mapped[name_str] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created]
    # Single sign-on: the Microsoft Entra tenants (ids, one per line) whose people may sign in for this
    # partnership, and whether its people must sign in that way (password sign-in refused).
    sso_tenants: Mapped[str] = mapped_column(Text, default="", server_default="")
    sso_required: Mapped[bool] = mapped_column(default=False, server_default=false())

    agencies: Mapped[list[PartnershipAgency]] = relationship(back_populates="partnership")


class Agency(Base):
    """A partner body: one organisation, whichever partnerships it serves (each through a PartnershipAgency)."""

    __tablename__ = "agency"

    id: Mapped[intpk]
    name: Mapped[name_str] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    # What partners also call it ("EPUT, the Trust"), comma-separated: removed from commentary as its name is.
    short_names: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created]

    partnerships: Mapped[list[PartnershipAgency]] = relationship(back_populates="agency")


class PartnershipAgency(Base):
    """An agency's membership of a partnership; the partnership alone deactivates it (for its own rounds)."""

    __tablename__ = "partnership_agency"
    __table_args__ = (UniqueConstraint("partnership_id", "agency_id"),)

    id: Mapped[intpk]
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    partnership: Mapped[Partnership] = relationship(back_populates="agencies")
    agency: Mapped[Agency] = relationship(back_populates="partnerships")


class Person(Base):
    """Someone who signs in."""

    __tablename__ = "person"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[name_str]
    job_title: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Rotated whenever an invitation or reset link is issued or used: only the newest link works, and only once.
    token_nonce: Mapped[str] = mapped_column(String(32), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created]
    last_sign_in_at: Mapped[dt.datetime | None]
    erased_at: Mapped[dt.datetime | None]
    # The second factor: the shared secret of an authenticator app (base32), set once a first code from the app
    # has been checked, and the newest 30-second step a code was accepted for, so no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[dt.datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    roles: Mapped[list[RoleAssignment]] = relationship(back_populates="person", cascade="all, delete-orphan")


class RoleAssignment(Base):
    """A role a person holds: contributor or lead of an agency *for one partnership* (a membership, which that
    partnership alone changes), manager or chair of a partnership, or admin."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "agency_id", "partnership_id"),)

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20,
                                            values_callable=lambda e: [m.value for m in e],
                                            validate_strings=True))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"))
    # A membership the partnership has deactivated: kept (with what the person wrote), but it gives no access.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    person: Mapped[Person] = relationship(back_populates="roles")
    agency: Mapped[Agency | None] = relationship()
    partnership: Mapped[Partnership | None] = relationship()
