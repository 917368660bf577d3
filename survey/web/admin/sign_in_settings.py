"""The administrator's page for how a partnership's people sign in: Entra tenants allowed, and whether single
sign-on is required."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Length

from survey.extensions import db
from survey.models import Partnership
from survey.services import sso_policy
from survey.web.admin.views import bp
from survey.web.auth import sso_setup


class SignInSettingsForm(FlaskForm):  # type: ignore[misc]
    """A partnership's single sign-on settings."""

    tenants = TextAreaField("Microsoft Entra tenant ids", widget=GovTextArea(), validators=[
        Length(max=20000, message="List at most a few hundred tenant ids")])
    required = BooleanField("People of this partnership must sign in through their organisation",
                            widget=GovCheckboxInput())
    submit = SubmitField("Save", widget=GovSubmitInput())


@bp.route("/partnerships/<int:partnership_id>/sign-in", methods=["GET", "POST"])
def partnership_sign_in(partnership_id: int) -> Any:
    """Which organisations' Microsoft accounts may sign in for the partnership, and whether passwords are off."""
    found = db.session.get(Partnership, partnership_id)
    if found is None:
        abort(404)
    form = SignInSettingsForm(data={"tenants": found.sso_tenants, "required": found.sso_required})
    if form.validate_on_submit():
        try:
            sso_policy.set_partnership_sso(db.session(), found, form.tenants.data or "", bool(form.required.data),
                                           bool(sso_setup.providers()), current_user.principal.person_id)
        except sso_policy.SsoSettingsError as exc:
            getattr(form, exc.field).errors = [str(exc)]
        else:
            flash(f"Sign-in settings saved for {found.name}.", "success")
            return redirect(url_for("admin.partnership", partnership_id=found.id))
    return render_template("admin/partnership_sign_in.html", partnership=found, form=form,
                           providers=sso_setup.providers()), (400 if form.errors else 200)
