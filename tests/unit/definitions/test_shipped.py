"""The three shipped questionnaires: valid, and the board self-assessment verbatim from Appendix 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.definitions import load_file

QUESTIONNAIRES = Path(__file__).resolve().parents[3] / "questionnaires"

# Appendix 3 of the Southend LSCB annual report (seed 001, from line 1247), typed in statement by statement as
# printed, with the PDF-extraction breaks repaired. Two statements are missing from the printed table and are
# written from their duty: the Annual Report statement and the second Attendance statement (marked None here).
APPENDIX_3 = [
    ("Statutory Duties set out in Section 14 of the Children Act 2004", [
        ("Strategic Plan", [
            "To publish a strategic plan for each financial year that sets how it will meet its main objective, and "
            "what the members will do to achieve this.",
            "The plan should be evidence based and make use of all available evidence and intelligence from partners "
            "to form and develop its plan.",
        ]),
        ("Annual Report", [None]),
        ("Case Reviews", [
            "To arrange local child safeguarding practice reviews, including SCRs, in accordance with Section 16F of "
            "the Children Act.",
        ]),
    ]),
    ("Statutory Guidance - Key Roles and Responsibilities", [
        ("Role, Responsibility, Authority and Accountability", [
            "Identify the role, responsibility, authority and accountability with regard to the action each agency and "
            "professional group should take to ensure the protection of children.",
        ]),
        ("Data and Intelligence", [
            "Develop ways of analysing and interrogating data on safeguarding notifications that increase the LSCB's "
            "understanding of prevalence of abuse and neglect locally that builds up a picture over time.",
        ]),
        ("Holding Partners to Account", [
            "Establish how it will hold partners to account and gain assurance of the effectiveness of their "
            "arrangements.",
            "Determine its arrangements for peer review and self-audit.",
        ]),
        ("Developing Policies and Strategies", [
            "Establish mechanisms for developing policies and strategies for protecting children which should be "
            "formulated, not only in collaboration and consultation with all relevant agencies but also take account "
            "of the views of children, their families, and carers.",
        ]),
        ("Preventative Strategies", [
            "Develop preventative strategies that aim to reduce instances of abuse and neglect in its area.",
            "Develop strategies to deal with the impact of issues of race, ethnicity, religion, gender, gender "
            "orientation, sexual orientation, age, disadvantage and disability on abuse and neglect.",
        ]),
        ("Confidentiality", [
            "Balance the requirements of confidentiality with the consideration that to protect children, it may be "
            "necessary to share information on a 'need-to-know basis'.",
        ]),
        ("Monitoring and Review", [
            "Identify mechanisms for monitoring and reviewing the implementation and impact of policy and training.",
        ]),
        ("Case Reviews and Publication", [
            "Carry out case reviews and determine any publication arrangements.",
        ]),
        ("Challenge", [
            "Evidence how LSCB members have challenged one another and held other boards to account",
        ]),
        ("Multi-Agency Training", [
            "Promote multi-agency training and consider any specialist training that may be required. Consider any "
            "scope to jointly commission some training with other partnerships.",
        ]),
    ]),
    ("Enablers of Board Effectiveness", [
        ("Aim and Vision", ["All board members have a clear understanding of the purpose and aim of the LSCB."]),
        ("Membership", [
            "All members of the LSCB have the requisite skills and experience necessary for the LSCB to act "
            "effectively and efficiently to safeguard children in its area.",
            "LSCB Membership covers the full range of stakeholders and expertise required for an effective LSCB.",
        ]),
        ("Attendance", [
            "LSCB Members from core partner agencies attend every meeting, including Southend Council, Southend CCG "
            "and Essex Police",
            None,
        ]),
        ("Risk", [
            "Board Members contribute to the development and ongoing review of the LSCB Risk Register; including "
            "mitigating actions and agreeing which direct action to take.",
        ]),
        ("Finance", [
            "Board Members regularly monitor the LSCB budget, resource allocation discuss potential projects.",
        ]),
        ("Leadership", [
            "Board Members actively raise the profile of the board and its role.",
            "The Leadership Executive Group clearly articulate the role of board members, encourage active discussion "
            "by all board members, encouraging full participation in strategic planning, board development "
            "opportunities, and individual agency ownership of tasks.",
            "The Independent Chair with the support of the Board Manager is proactive in raising the profile of the "
            "LSCB with professional stakeholders and the community.",
        ]),
    ]),
]


def test_board_self_assessment_is_appendix_3_in_order() -> None:
    q = load_file(QUESTIONNAIRES / "board-self-assessment.yaml")
    shipped = [(s.title, [(d.title, [st.text for st in d.statements]) for d in s.duties]) for s in q.sections]
    assert [s for s, _ in shipped] == [s for s, _ in APPENDIX_3]
    for (section, duties), (_, expected_duties) in zip(shipped, APPENDIX_3, strict=True):
        assert [d for d, _ in duties] == [d for d, _ in expected_duties], section
        for (duty, texts), (_, expected) in zip(duties, expected_duties, strict=True):
            assert len(texts) == len(expected), duty
            for text, want in zip(texts, expected, strict=True):
                if want is None:
                    assert len(text) > 40, f"{duty}: the missing statement is written from its duty"
                else:
                    assert text == want


def test_board_self_assessment_rules() -> None:
    q = load_file(QUESTIONNAIRES / "board-self-assessment.yaml")
    assert [(p.value, p.label) for p in q.scale.points] == [
        (1, "Poor"), (2, "Adequate"), (3, "Good"), (4, "Outstanding")]
    assert q.scale.half_points and q.scale.not_applicable and q.scale.not_applicable_label == "Not able to rate"
    assert q.anonymity_threshold == 3 and q.anonymous_results and q.precision == 1
    assert "annual report" in q.sections[0].duties[1].statements[0].text.lower()


@pytest.mark.parametrize("name", ["section-11-audit.yaml", "schools-safeguarding-return.yaml"])
def test_agency_audits_scale_and_actions(name: str) -> None:
    q = load_file(QUESTIONNAIRES / name)
    assert [(p.value, p.label) for p in q.scale.points] == [
        (1, "Inadequate"), (2, "Requires improvement"), (3, "Good"), (4, "Outstanding")]
    assert q.requires_action_below == 3 and not q.scale.half_points
    for _, _, statement in q.statements():
        assert statement.evidence_prompt, f"{statement.id} has an evidence prompt"
    for _, duty in q.duties():
        assert duty.commentary_prompt


def test_section_11_standards() -> None:
    q = load_file(QUESTIONNAIRES / "section-11-audit.yaml")
    titles = [d.title.lower() for _, d in q.duties()]
    for words in ["senior management commitment", "statement of the agency's responsibilities",
                  "line of accountability", "views of children and families", "training",
                  "safer recruitment and managing allegations", "inter-agency working", "information sharing",
                  "board-level lead", "listening to children", "whistleblowing and escalation",
                  "designated safeguarding lead", "supervision and support"]:
        assert any(words in t for t in titles), words
    assert len(titles) == 13
    assert all(2 <= len(d.statements) <= 5 for _, d in q.duties())
    assert any(st.guidance for _, _, st in q.statements())


def test_schools_return_areas() -> None:
    q = load_file(QUESTIONNAIRES / "schools-safeguarding-return.yaml")
    titles = " | ".join(d.title.lower() for _, d in q.duties())
    for words in ["designated safeguarding lead", "policies", "single central record", "training", "online safety",
                  "children missing education", "governors' oversight", "managing allegations"]:
        assert words in titles, words


def test_schools_returns_are_graded() -> None:
    q = load_file(QUESTIONNAIRES / "schools-safeguarding-return.yaml")
    assert [g.label for g in q.grades] == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert q.grade_of(3.6, 0.0) == "Outstanding"
    assert q.grade_of(3.6, 0.05) == "Good", "one statement below Good is not outstanding, whatever the mean"
    assert q.grade_of(2.75, 0.1) == "Good" and q.grade_of(2.74, 0.0) == "Requires improvement"
    assert q.grade_of(3.0, 0.2) == "Requires improvement" and q.grade_of(1.9, 0.0) == "Inadequate"
    assert q.grade_of(None, 0.0) == "", "nothing rated, nothing graded"
