"""The board self-assessment lets a partner say it is not able to rate a statement: shown as such, never counted."""

from __future__ import annotations

import re

from flask import Flask

from tests.fixtures_demo import Demo, client_for
from tests.web.forms import form_data

POLICE = "Essex Police"


def test_not_able_to_rate_is_offered_kept_and_not_counted(app: Flask, demo: Demo) -> None:
    rid = demo.open_round("board-self-assessment", [POLICE], title="Board self-assessment now")[POLICE]
    lead = client_for(app, "lead.police@demo.example")
    duties = lead.get(f"/agency/returns/{rid}").get_data(as_text=True)
    duty = duties.split("/duties/")[1].split('"')[0]
    page = lead.get(f"/agency/returns/{rid}/duties/{duty}").get_data(as_text=True)
    assert "Not able to rate" in page
    data = form_data(page)
    statement = re.search(r'name="rating-([\w-]+)"', page).group(1)  # type: ignore[union-attr]
    data.update({f"rating-{statement}": "na", "action": "later"})
    assert lead.post(f"/agency/returns/{rid}/duties/{duty}", data=data).status_code == 302
    check = lead.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    assert "Not able to rate" in check, "the answer is shown as such"
    again = lead.get(f"/agency/returns/{rid}/duties/{duty}").get_data(as_text=True)
    assert 'value="na" checked' in again
