"""Forms shared by several kinds of user (Flask-WTF, rendered with GOV.UK Frontend's widgets), and the one way a
service's refusal is shown against the field it concerns."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import Field, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField

# WTForms 3.2's named (value, label) choice; its type stubs predate it.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import Length

from survey.web.dates import GovDateField


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def refuse(form: FlaskForm, message: str, field: str = "") -> None:
    """Show a refusal (a service's message) against its field, or the form's first field."""
    target: Field | None = getattr(form, field, None) if field else None
    if not isinstance(target, Field):
        target = next(f for f in form if f.name != "csrf_token")
    target.errors = [*target.errors, message]


def text(label: str, limit: int = 254) -> StringField:
    """A text field whose value the service checks (and explains); only its length is bounded here."""
    return StringField(label, widget=GovTextInput(), filters=[_strip],
                       validators=[Length(max=limit, message=f"{label} must be {limit} characters or fewer")])


class AccountForm(FlaskForm):  # type: ignore[misc]
    """A person's name and email address (their own page, or the administrator's)."""

    name = text("Full name", 200)
    email = text("Email address")
    submit = SubmitField("Save", widget=GovSubmitInput())


class PartnershipForm(FlaskForm):  # type: ignore[misc]
    """A new partnership."""

    name = text("Name", 200)
    slug = text("Short name", 60)
    submit = SubmitField("Add the partnership", widget=GovSubmitInput())


class RenamePartnershipForm(FlaskForm):  # type: ignore[misc]
    """A partnership's new full name."""

    name = text("Name", 200)
    submit = SubmitField("Save the name", widget=GovSubmitInput())


class BoardPersonForm(FlaskForm):  # type: ignore[misc]
    """A board manager or chair to add to a partnership."""

    name = text("Full name", 200)
    email = text("Email address")
    # The service names the roles and explains a missing one; the form does not second-guess it.
    role = RadioField("Role", choices=[SelectChoice("manager", "Board manager"), SelectChoice("chair", "Chair")],
                      validate_choice=False, widget=GovRadioInput())
    submit = SubmitField("Add", widget=GovSubmitInput())


class ReplyForm(FlaskForm):  # type: ignore[misc]
    """A message in a challenge's thread (the board's follow-up or the agency's answer)."""

    body = TextAreaField("Message")
    action = StringField("Action")  # the button pressed: "close" closes the challenge instead


class ChallengeActionForm(FlaskForm):  # type: ignore[misc]
    """An action agreed with an agency after a challenge."""

    what = TextAreaField("What the agency will do")
    who = text("Owner in the agency", 200)
    due_on = GovDateField("Due date")


class ProgressForm(FlaskForm):  # type: ignore[misc]
    """How far an agency's action has got, and the evidence."""

    status = RadioField("Status", validate_choice=False)
    evidence = TextAreaField("Evidence")


class ReasonForm(FlaskForm):  # type: ignore[misc]
    """The reason for a change others are told of (reopening a round or a return, withdrawing a publication,
    publishing with too few returns); the service says when one is needed."""

    reason = TextAreaField("Reason")


class PublishForm(FlaskForm):  # type: ignore[misc]
    """Publishing the results to the chair, with the reason where few returns make it a risk."""

    risk_reason = TextAreaField("Reason")


class ButtonForm(FlaskForm):  # type: ignore[misc]
    """What a one-button or confirmation form posts beside its token (which CSRFProtect has checked): each page
    uses the field its button, box or choice is named by."""

    active = StringField()  # "yes": make an account or agency active again; anything else: deactivate it
    make = StringField()  # "yes": make a person an administrator; anything else: no longer one
    confirm = StringField()  # a confirmation: "yes", or the email address typed to confirm an erasure
    action = StringField()  # which of a page's buttons was pressed ("new-codes")
    duty_id = StringField()  # the duty page to go back to
    partnership = StringField()  # the partnership chosen (by id), where a manager serves several
    # The statements whose answer in an uploaded workbook replaces the one changed online since it was written.
    keep_file = SelectMultipleField(validate_choice=False)
