"""Forms for areas for development and their actions (chairs and managers share them)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField

from survey.web.dates import GovDateField
from survey.web.forms import text


class AreaForm(FlaskForm):  # type: ignore[misc]
    """An area for development: title, rationale and the statements it responds to (the service checks them)."""

    title = text("Title", 200)
    rationale = TextAreaField("Rationale")
    statements = SelectMultipleField("Statements it responds to", validate_choice=False)


class ActionForm(FlaskForm):  # type: ignore[misc]
    """An action of an area: what, who owns it, when it is due, how far it has got."""

    what = TextAreaField("What will be done")
    owner_agency = SelectField("Owning agency", validate_choice=False)
    owner_name = text("Owning person", 200)
    due_on = GovDateField("Due date")
    status = RadioField("Status", validate_choice=False)


class ProgressForm(FlaskForm):  # type: ignore[misc]
    """An action's progress page posts one of two forms: a note with evidence links, or the colour with a reason."""

    which = HiddenField()  # "note" or "rag": the form posted
    text = TextAreaField("What has happened")
    links = TextAreaField("Links to evidence")
    colour = RadioField("Colour", validate_choice=False)
    reason = TextAreaField("Why the board sets this colour")
