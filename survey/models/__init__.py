"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from .audit import AuditEvent
from .base import Base, as_utc, utcnow
from .definitions import BoardQuestionnaire, DefinitionVersion
from .development import ActionNote, ActionStatus, AgencyAction, AreaAction, DevelopmentArea
from .evidence import EvidenceFile
from .mail import BoardEmail, EmailMessage, MailState
from .moderation import Challenge, ChallengeMessage, ChallengeState, CommentReview, Moderation
from .people import Agency, Partnership, PartnershipAgency, Person, Role, RoleAssignment
from .returns import Answer, Return, ReturnState
from .rounds import JointState, Publication, Round, RoundPartnership, RoundState
from .sessions import RecoveryCode, SignInSession, StashedPost
from .throttle import RateLimit

__all__ = [
    "ActionNote", "ActionStatus", "AgencyAction", "AreaAction", "Challenge", "ChallengeMessage", "ChallengeState",
    "CommentReview", "DevelopmentArea", "Moderation",
    "Agency", "Answer", "AuditEvent", "Base", "BoardEmail", "DefinitionVersion", "EmailMessage", "EvidenceFile",
    "BoardQuestionnaire", "Partnership", "PartnershipAgency", "Person", "Publication", "RateLimit", "RecoveryCode",
    "Return", "ReturnState",
    "Role", "RoleAssignment",
    "Round", "JointState", "MailState", "RoundPartnership", "RoundState", "SignInSession", "StashedPost", "as_utc",
    "utcnow",
]
