"""Edit conflicts never discard anyone's version: kept server-side until the person chooses, reachable again from
the task list and the duty page, and a save retried after a lost answer is recognised as the same save."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, StashedPost, utcnow
from tests.fixtures_demo import Demo

from .forms import form_data
from .test_agency_returns import POLICE, answer, duty_url, page_data

S1 = "supervision-1"


def _kept_texts(app: Flask) -> list[str]:
    """Every commentary kept server-side from a conflict, whoever it belongs to."""
    with app.app_context():
        rows = db.session.scalars(select(StashedPost).where(StashedPost.kind == "conflict")).all()
        return [e["mine"]["commentary"] for r in rows for e in r.data["conflicts"].values()]


def _lose_a_conflict(lead: FlaskClient, staff: FlaskClient, rid: int) -> str:
    """The lead saves first, the contributor second from a page loaded before: the contributor's version loses."""
    lead_page, staff_page = page_data(lead, duty_url(rid)), page_data(staff, duty_url(rid))
    lead_page.update({f"rating-{S1}": "4", f"commentary-{S1}": "Lead's first view", "action": "later"})
    assert lead.post(duty_url(rid), data=lead_page).status_code == 302
    staff_page.update({f"rating-{S1}": "3", f"commentary-{S1}": "An hour of the contributor's commentary",
                       "action": "later"})
    response = staff.post(duty_url(rid), data=staff_page)
    assert response.status_code == 302 and response.location == f"{duty_url(rid)}/conflict"
    return response.location


def test_a_colleague_saving_again_while_you_choose_loses_nothing(app: Flask, demo: Demo, police_lead: FlaskClient,
                                                                 police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    conflict = _lose_a_conflict(police_lead, police_staff, rid)
    choice = form_data(police_staff.get(conflict).get_data(as_text=True))
    # The lead saves again (autosave does, while they type) before the contributor chooses.
    again = page_data(police_lead, duty_url(rid))
    again.update({f"commentary-{S1}": "Lead's second view", "action": "later"})
    assert police_lead.post(duty_url(rid), data=again).status_code == 302
    choice[f"keep-{S1}"] = "mine"
    response = police_staff.post(conflict, data=choice)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, "shown the choice again, not sent back to an empty duty page"
    assert "again while you were choosing" in html
    assert "An hour of the contributor&#39;s commentary" in html and "Lead&#39;s second view" in html
    assert _kept_texts(app) == ["An hour of the contributor's commentary"], "still kept server-side"
    assert answer(app, rid, S1).commentary == "Lead's second view"
    choice = form_data(html)
    choice[f"keep-{S1}"] = "mine"
    assert police_staff.post(conflict, data=choice).status_code == 302
    saved = answer(app, rid, S1)
    assert saved.commentary == "An hour of the contributor's commentary" and saved.rating == 3
    assert _kept_texts(app) == [], "nothing waits once chosen"


def test_kept_versions_are_reached_again_from_the_task_list_and_the_duty_page(
        app: Flask, demo: Demo, police_lead: FlaskClient, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    conflict = _lose_a_conflict(police_lead, police_staff, rid)
    # The contributor wanders off without choosing; days later they come back through the task list.
    tasks = police_staff.get(f"/agency/returns/{rid}").get_data(as_text=True)
    assert "Your versions of some statements are waiting for you to choose" in tasks
    assert f'href="{conflict}"' in tasks
    duty = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "Your versions of 1 statement on this page are waiting for you to choose" in duty
    assert f'href="{conflict}"' in duty
    # Nobody else sees another person's kept version, or a banner about it.
    assert "waiting for you to choose" not in police_lead.get(f"/agency/returns/{rid}").get_data(as_text=True)
    assert police_lead.get(conflict).status_code == 302
    assert "An hour of the contributor" in police_staff.get(conflict).get_data(as_text=True)


def test_keeping_both_adds_my_text_to_theirs(app: Flask, demo: Demo, police_lead: FlaskClient,
                                             police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    conflict = _lose_a_conflict(police_lead, police_staff, rid)
    choice = form_data(police_staff.get(conflict).get_data(as_text=True))
    choice[f"keep-{S1}"] = "both"
    assert police_staff.post(conflict, data=choice).status_code == 302
    saved = answer(app, rid, S1)
    assert saved.rating == 4, "their rating stands"
    assert saved.commentary == "Lead's first view\n\nAn hour of the contributor's commentary"


def test_a_forged_choice_is_refused_and_keeps_the_version(app: Flask, demo: Demo, police_lead: FlaskClient,
                                                          police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    conflict = _lose_a_conflict(police_lead, police_staff, rid)
    choice = form_data(police_staff.get(conflict).get_data(as_text=True))
    choice[f"keep-{S1}"] = "everything"
    assert police_staff.post(conflict, data=choice).status_code == 400
    assert _kept_texts(app) == ["An hour of the contributor's commentary"]


def test_an_autosave_conflict_keeps_the_version_and_links_to_the_choice(
        app: Flask, demo: Demo, police_lead: FlaskClient, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    lead_page, staff_page = page_data(police_lead, duty_url(rid)), page_data(police_staff, duty_url(rid))
    lead_page.update({f"commentary-{S1}": "Lead typed", "action": "later"})
    police_lead.post(duty_url(rid), data=lead_page)
    staff_page[f"commentary-{S1}"] = "Staff typed, autosaved"
    result = police_staff.post(f"{duty_url(rid)}/autosave", data=staff_page).get_json()
    assert result["status"] == "conflict" and result["review"] == f"{duty_url(rid)}/conflict"
    assert _kept_texts(app) == ["Staff typed, autosaved"]


def test_a_retried_autosave_is_acknowledged_with_its_revision(app: Flask, demo: Demo,
                                                              police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    data.update({f"commentary-{S1}": "Saved, but the answer was lost", "page": "page-aaaaaaaa"})
    first = police_staff.post(f"{duty_url(rid)}/autosave", data=data).get_json()
    # The answer never reached the page; its script sends the same again with the old revision.
    retry = police_staff.post(f"{duty_url(rid)}/autosave", data=data).get_json()
    assert retry["status"] == "saved" and retry["saved"][S1] == first["saved"][S1], "recognised as the same save"
    assert answer(app, rid, S1).revision == 1


def test_typing_on_after_a_lost_answer_is_no_conflict_with_yourself(app: Flask, demo: Demo,
                                                                     police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    data.update({f"commentary-{S1}": "First words", "page": "page-aaaaaaaa"})
    police_staff.post(f"{duty_url(rid)}/autosave", data=data)  # committed; pretend the answer was lost
    data[f"commentary-{S1}"] = "First words, and more"  # still carrying the old revision and fingerprint
    result = police_staff.post(f"{duty_url(rid)}/autosave", data=data).get_json()
    assert result["status"] == "saved" and answer(app, rid, S1).commentary == "First words, and more"
    assert _kept_texts(app) == []


def test_another_page_of_the_same_person_still_conflicts(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    first_tab, second_tab = page_data(police_staff, duty_url(rid)), page_data(police_staff, duty_url(rid))
    first_tab.update({f"commentary-{S1}": "Typed in the first tab", "page": "page-aaaaaaaa"})
    police_staff.post(f"{duty_url(rid)}/autosave", data=first_tab)
    second_tab.update({f"commentary-{S1}": "Typed in the second tab", "page": "page-bbbbbbbb"})
    result = police_staff.post(f"{duty_url(rid)}/autosave", data=second_tab).get_json()
    assert result["status"] == "conflict", "the first tab's words are not overwritten silently"
    assert answer(app, rid, S1).commentary == "Typed in the first tab"
    assert _kept_texts(app) == ["Typed in the second tab"]


def test_a_forged_page_id_cannot_claim_a_colleagues_save(app: Flask, demo: Demo, police_lead: FlaskClient,
                                                         police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    lead_page, staff_page = page_data(police_lead, duty_url(rid)), page_data(police_staff, duty_url(rid))
    lead_page.update({f"commentary-{S1}": "The lead's words", "page": "page-aaaaaaaa"})
    police_lead.post(f"{duty_url(rid)}/autosave", data=lead_page)
    staff_page.update({f"commentary-{S1}": "Overwrite attempt", "page": "page-aaaaaaaa"})
    result = police_staff.post(f"{duty_url(rid)}/autosave", data=staff_page).get_json()
    assert result["status"] == "conflict" and answer(app, rid, S1).commentary == "The lead's words"


def test_the_duty_page_says_a_colleague_saved_it_minutes_ago(app: Flask, demo: Demo, police_lead: FlaskClient,
                                                             police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    assert "saved answers on this page" not in police_staff.get(duty_url(rid)).get_data(as_text=True)
    data = page_data(police_lead, duty_url(rid))
    data.update({f"commentary-{S1}": "The lead was here", "action": "later"})
    police_lead.post(duty_url(rid), data=data)
    html = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "Police Lead" in html and "saved answers on this page just now" in html
    assert "saved answers on this page" not in police_lead.get(duty_url(rid)).get_data(as_text=True), \
        "not about one's own saves"
    with app.app_context():  # a quarter of an hour later it is no longer news
        db.session.execute(Answer.__table__.update().where(Answer.return_id == rid).values(
            updated_at=utcnow() - dt.timedelta(minutes=15)))
        db.session.commit()
    assert "saved answers on this page" not in police_staff.get(duty_url(rid)).get_data(as_text=True)
