"""Board manager forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField

# WTForms 3.2's named (value, label) choice, which templates read by name; its type stubs predate it.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import InputRequired, Length, ValidationError

from survey.web.dates import GovDateField
from survey.web.forms import text


class RoundForm(FlaskForm):  # type: ignore[misc]
    """Create a round."""

    partnership = SelectField("Partnership", coerce=int)
    questionnaire = SelectField("Questionnaire", validators=[InputRequired("Choose a questionnaire")])
    title = StringField("Title", validators=[InputRequired("Enter a title for the round"),
                                             Length(max=200, message="The title must be 200 characters or fewer")])
    opens_on = GovDateField("Opening date")
    deadline = GovDateField("Deadline")
    joint = SelectMultipleField("Run jointly with", coerce=int)
    agencies = SelectMultipleField("Agencies taking part", coerce=int)
    deadline_passed = BooleanField("The deadline has passed: create the round all the same")
    refresh = StringField("Show their agencies")  # the button that lists the chosen partnerships' agencies

    def set_choices(self, partnerships: list[tuple[int, str]], questionnaires: list[tuple[str, str]],
                    agencies: list[tuple[int, str]], joint: list[tuple[int, str]]) -> None:
        """Fill the choices from the manager's partnerships, the catalogue, the agencies of the partnerships
        running the round, and the other partnerships it could be run jointly with."""
        self.partnership.choices = [SelectChoice(value, label) for value, label in partnerships]
        self.questionnaire.choices = [SelectChoice(value, label) for value, label in questionnaires]
        self.agencies.choices = [SelectChoice(value, label) for value, label in agencies]
        self.joint.choices = [SelectChoice(value, label) for value, label in joint]

    def validate_opens_on(self, field: Any) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError("Enter the opening date")

    def validate_deadline(self, field: Any) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError("Enter the deadline")
        opens = self.opens_on.data
        if isinstance(field.data, dt.date) and isinstance(opens, dt.date) and field.data < opens:
            raise ValidationError("The deadline must be the same as or after the opening date")

    def validate_agencies(self, field: Any) -> None:
        if not field.data:
            raise ValidationError("Choose at least one agency")


class ExtensionForm(FlaskForm):  # type: ignore[misc]
    """A later deadline for one agency."""

    deadline = GovDateField("New deadline")
    reason = TextAreaField("Reason", validators=[InputRequired("Enter the reason for the extension; the agency will "
                                                               "see it"),
                                                 Length(max=500, message="The reason must be 500 characters or fewer")])

    def validate_deadline(self, field: Any) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError("Enter the new deadline")


class AgencyForm(FlaskForm):  # type: ignore[misc]
    """An agency's details (its partnership too, when it is new and the manager runs several)."""

    partnership = SelectField("Partnership", validate_choice=False, widget=GovSelect())
    name = text("Name", 200)
    kind = text("Type", 60)
    short_names = text("Short names and abbreviations (optional)", 1000)
    submit = SubmitField("Save", widget=GovSubmitInput())


class MemberForm(FlaskForm):  # type: ignore[misc]
    """A person's place in an agency: name and email (for an account the manager may still correct), the
    partnership, and their role."""

    name = text("Full name", 200)
    email = text("Email address")
    partnership = RadioField("Partnership", validate_choice=False, widget=GovRadioInput())
    # The service names the roles and explains a missing one.
    role = RadioField("Role", choices=[SelectChoice("contributor", "Contributor"), SelectChoice("lead", "Lead")],
                      validate_choice=False, widget=GovRadioInput())
    submit = SubmitField("Save", widget=GovSubmitInput())

    def offer(self, partnerships: list[tuple[int, str]]) -> None:
        """The partnerships to choose between."""
        self.partnership.choices = [SelectChoice(str(value), label) for value, label in partnerships]


class OpenRoundForm(FlaskForm):  # type: ignore[misc]
    """When a round opens, and the confirmation that its deadline has passed."""

    when = RadioField("When should it open?", validate_choice=False)
    deadline_passed = BooleanField("The deadline has passed: open the round all the same", false_values=("", "no"))


class JointForm(FlaskForm):  # type: ignore[misc]
    """Agreeing to run another partnership's round jointly (with which agencies), or declining."""

    agencies = SelectMultipleField("Agencies taking part", validate_choice=False)
    decision = StringField("Decision")  # the button pressed: "decline" or "accept"


class ModerationForm(FlaskForm):  # type: ignore[misc]
    """The board's rating of one statement, with a note for the agency (blank rating: clear it)."""

    rating = StringField("Board's rating")
    note = TextAreaField("Note for the agency")


class ChallengeForm(FlaskForm):  # type: ignore[misc]
    """A question to the agency about one statement."""

    statement_id = StringField("Statement")
    question = TextAreaField("Challenge: your question to the agency")


class CommentaryReviewForm(FlaskForm):  # type: ignore[misc]
    """The manager's review of every comment on the page: fields named by answer (`text-<id>`, `example-<id>`,
    `hide-<id>`), added for the comments listed (WTForms' documented way to compose a form at run time)."""

    def decided(self) -> dict[int, tuple[str, bool, bool]]:
        """(text, hidden, example) of each comment whose box was posted; a comment that appeared after the page
        was drawn has no box in the post and is left as it was."""
        return {int(field.name[5:]): (field.data or "", self[f"hide-{field.name[5:]}"].data,
                                      self[f"example-{field.name[5:]}"].data)
                for field in self if field.name.startswith("text-") and field.raw_data}


def commentary_review_form(items: list[Any]) -> CommentaryReviewForm:
    """A review form for these comments, filled from the post or from each comment's current review."""

    class Form(CommentaryReviewForm):
        pass

    for item in items:
        setattr(Form, f"text-{item.answer_id}", TextAreaField("What the chair reads", default=item.shown))
        setattr(Form, f"example-{item.answer_id}", BooleanField("Show it as an example", default=item.example))
        setattr(Form, f"hide-{item.answer_id}", BooleanField("Hide it from the chair", default=item.hidden))
    return Form()


class QuestionnaireUploadForm(FlaskForm):  # type: ignore[misc]
    """What goes with an uploaded questionnaire: the board it is for and, for a spreadsheet, its title."""

    partnership = StringField()
    title = StringField()
