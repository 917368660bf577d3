"""Sign-in and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, Field, Form, PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from survey.text import email_address


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _email(_form: Form, field: Field) -> None:
    # The one email rule (survey.text.email_address) that imports, the directory and the command line use.
    if field.data and email_address(field.data) is None:
        raise ValidationError("Enter an email address in the correct format, like name@example.org")


class SignInForm(FlaskForm):  # type: ignore[misc]
    """Email and password."""

    email = EmailField("Email address", widget=GovTextInput(), filters=[_strip], validators=[
        InputRequired("Enter your email address"), Length(max=254, message="Email address is too long"),
        _email])
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[
        InputRequired("Enter your password"), Length(max=128, message="Password is too long")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):  # type: ignore[misc]
    """Ask for a reset link."""

    email = EmailField("Email address", widget=GovTextInput(), filters=[_strip], validators=[
        InputRequired("Enter your email address"), Length(max=254, message="Email address is too long"),
        _email])
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):  # type: ignore[misc]
    """Choose a password (invitation or reset)."""

    password = PasswordField("New password", widget=GovPasswordInput(), validators=[
        InputRequired("Enter a new password"), Length(max=128, message="Password must be 128 characters or fewer")])
    confirm = PasswordField("Confirm new password", widget=GovPasswordInput(), validators=[
        InputRequired("Confirm your new password"), EqualTo("password", "The passwords do not match")])
    submit = SubmitField("Set password", widget=GovSubmitInput())


class CodeForm(FlaskForm):  # type: ignore[misc]
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = StringField("Code", widget=GovTextInput(), filters=[_strip], validators=[
        InputRequired("Enter the code from your authenticator app, or a recovery code"),
        Length(max=40, message="Enter the 6-digit code from your app, or a recovery code")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpForm(FlaskForm):  # type: ignore[misc]
    """Confirm a new authenticator app with its first code."""

    code = StringField("Code from the app", widget=GovTextInput(), filters=[_strip], validators=[
        InputRequired("Enter the 6-digit code your authenticator app shows"),
        Length(max=20, message="Enter the 6-digit code your authenticator app shows")])
    submit = SubmitField("Turn on the second factor", widget=GovSubmitInput())
