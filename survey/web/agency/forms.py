"""Forms built from the round's pinned questionnaire: one WTForms class per duty, never written by hand."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Field, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField

# WTForms 3.2's named (value, label) choice, which templates read by name; its type stubs predate it.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from survey.answer_values import AnswerValues, StatementInput
from survey.definitions import Duty, Questionnaire, Statement, format_value
from survey.services.returns import MAX_COMMENTARY, MAX_NOTES
from survey.text import first_bad_link, link_problem
from survey.web.dates import GovDateField

NOT_APPLICABLE = "na"


class RatingField(RadioField):
    """Radio buttons for a rating; an unknown value gets a message people understand."""

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, "", "None"):
            return
        if self.data not in {value for value, *_ in self.iter_choices()}:
            raise ValidationError("Select one of the ratings shown")


def _links(form: Any, field: Field) -> None:
    bad = first_bad_link(field.data or "")
    if bad is not None:
        raise ValidationError(link_problem(bad))


def names(statement_id: str) -> dict[str, str]:
    """The form field names of one statement."""
    return {k: f"{k}-{statement_id}" for k in ("rating", "commentary", "notes", "links", "evidence", "what", "who",
                                               "by", "rev", "base", "pending", "confirm", "reuse")}


def rating_choices(questionnaire: Questionnaire) -> list[SelectChoice]:
    """Radio values and labels: every allowed rating (with what it means, where the questionnaire says, as the
    radio's hint), then "not applicable" where allowed."""
    scale = questionnaire.scale
    meaning = {p.value: p.description for p in scale.points if p.description}
    choices = [SelectChoice(format_value(v), scale.label_for(v), render_kw={"hint": meaning[v]} if v in meaning else {})
               for v in scale.values()]
    if scale.not_applicable:
        choices.append(SelectChoice(NOT_APPLICABLE, scale.not_applicable_label))
    return choices


@lru_cache(maxsize=256)
def duty_form_class(questionnaire: Questionnaire, duty_id: str) -> type[FlaskForm]:
    """The form class of one duty page (cached per questionnaire version and duty)."""
    duty = next(d for _, d in questionnaire.duties() if d.id == duty_id)
    attrs: dict[str, Any] = {}
    choices = rating_choices(questionnaire)
    for statement in duty.statements:
        n = names(statement.id)
        attrs[n["rating"]] = RatingField(statement.text, choices=choices, validators=[Optional()])
        attrs[n["commentary"]] = TextAreaField("Commentary", validators=[
            Length(max=MAX_COMMENTARY, message=f"Commentary must be {MAX_COMMENTARY} characters or fewer")])
        attrs[n["notes"]] = TextAreaField("Evidence notes", validators=[
            Length(max=MAX_NOTES, message=f"Evidence notes must be {MAX_NOTES} characters or fewer")])
        attrs[n["links"]] = TextAreaField("Links to evidence", validators=[
            Length(max=MAX_NOTES, message=f"Links must be {MAX_NOTES} characters or fewer"), _links])
        attrs[n["evidence"]] = FileField("Upload evidence")
        if questionnaire.requires_action_below is not None:
            attrs[n["what"]] = TextAreaField("What will you do?", validators=[
                Length(max=1000, message="The action must be 1000 characters or fewer")])
            attrs[n["who"]] = StringField("Who is responsible?", validators=[
                Length(max=200, message="Who is responsible must be 200 characters or fewer")])
            attrs[n["by"]] = GovDateField("By when?")
        attrs[n["rev"]] = HiddenField(default="0")
        attrs[n["base"]] = HiddenField(default="")
        attrs[n["pending"]] = HiddenField(default="")  # a file kept from a save that was refused
        attrs[n["confirm"]] = BooleanField("This answer is still right")  # shown for carried answers only
        attrs[n["reuse"]] = StringField("A file given before")  # the agency's library (checked when attached)
    attrs["page"] = HiddenField(default="")  # which load of the page this is (see page_id)
    attrs["action"] = HiddenField(default="")  # the button pressed: "continue" unless another was
    return type(f"DutyForm_{duty_id}", (FlaskForm,), attrs)


def fill(form: FlaskForm, duty: Duty, stored: dict[str, tuple[AnswerValues, int]]) -> None:
    """Put stored answers (and their revision and fingerprint) into a fresh GET form."""
    for statement in duty.statements:
        n = names(statement.id)
        values, revision = stored.get(statement.id, (AnswerValues(), 0))
        _set(form, n, values)
        form[n["rev"]].data = str(revision)
        form[n["base"]].data = values.digest()


def _set(form: FlaskForm, n: dict[str, str], values: AnswerValues) -> None:
    if values.not_applicable:
        form[n["rating"]].data = NOT_APPLICABLE
    elif values.rating is not None:
        form[n["rating"]].data = format_value(values.rating)
    else:
        form[n["rating"]].data = None
    form[n["commentary"]].data = values.commentary
    form[n["notes"]].data = values.evidence_notes
    form[n["links"]].data = values.evidence_links
    if n["what"] in form:
        form[n["what"]].data = values.action_what
        form[n["who"]].data = values.action_who
        form[n["by"]].process(None, values.action_by)


def show(form: FlaskForm, statement_id: str, values: AnswerValues) -> None:
    """Show particular values for one statement (a restored post, or the chosen side of a conflict)."""
    _set(form, names(statement_id), values)


def values_of(form: FlaskForm, statement: Statement) -> AnswerValues:
    """The values posted for one statement."""
    n = names(statement.id)
    raw = form[n["rating"]].data
    has_action = n["what"] in form
    return AnswerValues(
        rating=float(raw) if raw not in (None, "", NOT_APPLICABLE, "None") else None,
        not_applicable=raw == NOT_APPLICABLE,
        commentary=(form[n["commentary"]].data or "").strip(),
        evidence_notes=(form[n["notes"]].data or "").strip(),
        evidence_links="\n".join(x.strip() for x in (form[n["links"]].data or "").splitlines() if x.strip()),
        action_what=(form[n["what"]].data or "").strip() if has_action else "",
        action_who=(form[n["who"]].data or "").strip() if has_action else "",
        action_by=form[n["by"]].data if has_action else None,
    )


def page_id(raw: str) -> str:
    """The id a duty page's script gave itself, or "" when it is missing or not one."""
    return raw if re.fullmatch(r"[A-Za-z0-9-]{8,40}", raw or "") else ""


def inputs_of(form: FlaskForm, duty: Duty, page: str = "") -> list[StatementInput]:
    """Every statement's posted values with the revision and fingerprint the page was loaded with."""
    page = page_id(page)
    out = []
    for statement in duty.statements:
        n = names(statement.id)
        try:
            revision = int(form[n["rev"]].data or 0)
        except ValueError:
            revision = -1  # a tampered revision can only ever cause a conflict, never an overwrite
        out.append(StatementInput(statement.id, values_of(form, statement), revision, form[n["base"]].data or "",
                                  page, bool(form[n["confirm"]].data)))
    return out


def check_actions(form: FlaskForm, questionnaire: Questionnaire, duty: Duty, today: dt.date) -> bool:
    """Where a rating is below the threshold, what, who and when are required (and when not in the past)."""
    ok = True
    if questionnaire.requires_action_below is None:
        return ok
    threshold = questionnaire.scale.label_for(questionnaire.requires_action_below)
    for statement in duty.statements:
        n = names(statement.id)
        values = values_of(form, statement)
        if values.action_by is not None and values.action_by < today and not form[n["by"]].errors:
            form[n["by"]].errors = [*form[n["by"]].errors, "The date for the action must be today or in the future"]
            ok = False
        if values.rating is None or values.rating >= questionnaire.requires_action_below:
            continue
        for key, message in (("what", "Enter the action you will take, because you rated this below "),
                             ("who", "Enter who is responsible for the action, because you rated this below "),
                             ("by", "Enter the date the action will be done by, because you rated this below ")):
            field = form[n[key]]
            if not field.data and not field.errors:
                field.errors = [*field.errors, message + threshold]
                ok = False
    return ok


class ConflictForm(FlaskForm):  # type: ignore[misc]
    """Choose, per conflicting statement, whose version to keep (fields added per conflict)."""


CONFLICT_CHOICES = (SelectChoice("theirs", "Keep their version"), SelectChoice("mine", "Use my version"),
                    SelectChoice("both", "Keep both: their rating, with my text added below theirs"))


def conflict_form_class(statements: tuple[tuple[str, str], ...]) -> type[FlaskForm]:
    """The choice form for these (statement id, statement text) pairs."""
    return type("ConflictChoices", (ConflictForm,), {
        f"keep-{sid}": RadioField(text, choices=list(CONFLICT_CHOICES), default="theirs",
                                  validators=[InputRequired("Choose which version to keep")])
        for sid, text in statements})


class DeclarationForm(FlaskForm):  # type: ignore[misc]
    """The agency lead's sign-off."""

    name = StringField("Your full name", validators=[InputRequired("Enter your full name"),
                                                     Length(max=200, message="Name must be 200 characters or fewer")])
    role = StringField("Your role", validators=[InputRequired("Enter your role"),
                                                Length(max=200, message="Role must be 200 characters or fewer")])
    confirm = BooleanField("I confirm that this return is accurate and has been agreed by our agency",
                           validators=[InputRequired("Confirm that the return is accurate to submit it")])


class ShareForm(FlaskForm):  # type: ignore[misc]
    """Copy a return's answers into the agency's returns to other boards, or start this one from another's."""

    targets = SelectMultipleField("Copy this return's answers to", coerce=int, validate_choice=False)
    submit_too = BooleanField("Submit each copy too, with this return's sign-off")
    source = StringField()  # "start from": the other board's return whose answers come here
