"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from .audit import AuditEvent
from .base import Base, utcnow
from .definitions import DefinitionVersion
from .people import Agency, Partnership, PartnershipAgency, Person, Role, RoleAssignment
from .returns import Answer, Return, ReturnState
from .rounds import Round, RoundPartnership, RoundState

__all__ = [
    "Agency", "Answer", "AuditEvent", "Base", "DefinitionVersion", "Partnership", "PartnershipAgency", "Person",
    "Return", "ReturnState", "Role", "RoleAssignment", "Round", "RoundPartnership", "RoundState", "utcnow",
]
