"""Work that waits until the response has gone: the person does not wait for it, nor can time it."""

from __future__ import annotations

from flask import Response, after_this_request

from survey.extensions import db
from survey.services import mail


def deliver_after_response(settings: mail.SmtpSettings, batch: mail.Batch) -> None:
    """Without a worker (delivery "request"), send a committed batch once the response has been sent; with the
    outbox the worker sends it."""
    if settings.outbox or not batch:
        return
    engine = db.engine

    @after_this_request
    def _later(response: Response) -> Response:
        response.call_on_close(lambda: mail.deliver_now(engine, settings, batch))
        return response
