"""The definition loader, through its public entry points: load_file, load_text and `survey validate`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey.cli import main
from survey.definitions import Code, DefinitionError, Questionnaire, load_file, load_text

VALID = textwrap.dedent("""\
    id: mini
    title: Mini questionnaire
    version: "1"
    scale:
      half_points: true
      points:
        - value: 1
          label: Poor
        - value: 2
          label: Adequate
        - value: 3
          label: Good
        - value: 4
          label: Outstanding
    sections:
      - id: s1
        title: Section one
        duties:
          - id: d1
            title: Duty one
            commentary_prompt: Tell us more
            statements:
              - id: st1
                text: First statement
                guidance: Some guidance
              - id: st2
                text: Second statement
    """)


def write(tmp_path: Path, text: str | bytes, name: str = "q.yaml") -> Path:
    """Write a definition file and return its path."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def ok(tmp_path: Path, text: str) -> Questionnaire:
    """Load a definition that must be valid."""
    return load_file(write(tmp_path, text))


def errors(tmp_path: Path, text: str | bytes) -> list[tuple[int, Code, str]]:
    """Load a definition that must be invalid; return (line, code, text) per problem, all naming the file."""
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as caught:
        load_file(path)
    for problem in caught.value.problems:
        assert problem.file == str(path)
        assert str(problem).startswith(f"{path}:{problem.line}: ")
        assert " — " in str(problem), "every message says how to fix it"
    return [(p.line, p.code, str(p)) for p in caught.value.problems]


def test_minimal__ok(tmp_path: Path) -> None:
    q = ok(tmp_path, VALID)
    assert q.id == "mini"
    assert q.statement_ids() == ("st1", "st2")
    assert q.precision == 1 and q.anonymity_threshold == 3 and q.anonymous_results is True
    assert q.scale.values() == (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
    assert q.scale.label_for(3) == "Good" and q.scale.label_for(2.5) == "2.5"
    assert q.sections[0].duties[0].commentary_prompt == "Tell us more"
    assert q.requires_action_below is None


def test_options__ok(tmp_path: Path) -> None:
    text = VALID.replace('version: "1"\n', 'version: 2\nprecision: 2\nanonymity_threshold: 5\n'
                                            'anonymous_results: false\nrequires_action_below: 3\n')
    text = text.replace("  half_points: true\n", "  half_points: false\n  not_applicable: true\n")
    q = ok(tmp_path, text)
    assert (q.version, q.precision, q.anonymity_threshold, q.anonymous_results) == ("2", 2, 5, False)
    assert q.requires_action_below == 3.0
    assert q.scale.values() == (1.0, 2.0, 3.0, 4.0) and q.scale.not_applicable


def test_same_content_same_hash__ok(tmp_path: Path) -> None:
    reformatted = "# a comment changes nothing\n" + VALID.replace("title: Mini questionnaire",
                                                                   "title: 'Mini questionnaire'")
    assert load_text(VALID).content_hash == load_text(reformatted).content_hash
    assert load_text(VALID).content_hash != load_text(VALID.replace("First statement", "First one")).content_hash


def test_yaml_syntax__error(tmp_path: Path) -> None:
    text = VALID.replace("title: Duty one", "title: Duty one\n       bad: [unclosed")
    [(line, code, message)] = errors(tmp_path, text)
    assert code is Code.YAML_SYNTAX and "YAML syntax error" in message
    assert line in (20, 21)


def test_tab_indentation__error(tmp_path: Path) -> None:
    [(line, code, _)] = errors(tmp_path, "id: x\ntitle: y\n\tversion: 1\n")
    assert code is Code.YAML_SYNTAX and line == 3


def test_empty_file__error(tmp_path: Path) -> None:
    assert errors(tmp_path, "") == [(1, Code.EMPTY, f"{tmp_path / 'q.yaml'}:1: [E005] the file is empty — "
                                                    "start from the example in docs/questionnaire-format.md")]
    [(_, code, _)] = errors(tmp_path, "# only a comment\n")
    assert code is Code.EMPTY


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_not_a_mapping__error(tmp_path: Path, text: str) -> None:
    [(line, code, message)] = errors(tmp_path, text)
    assert (line, code) == (1, Code.NOT_MAPPING) and "must be a mapping" in message


def test_misspelt_key_suggests__error(tmp_path: Path) -> None:
    text = VALID.replace("statements:", "statments:")
    problems = errors(tmp_path, text)
    unknown = [p for p in problems if p[1] is Code.UNKNOWN_KEY]
    assert unknown and unknown[0][0] == 22
    assert "unknown key 'statments'" in unknown[0][2] and "did you mean 'statements'?" in unknown[0][2]
    missing = [p for p in problems if p[1] is Code.MISSING_KEY]
    assert missing and "a duty needs the key 'statements'" in missing[0][2] and missing[0][0] == 19


def test_unknown_key_without_match__error(tmp_path: Path) -> None:
    [(line, code, message)] = errors(tmp_path, VALID.replace('version: "1"', 'version: "1"\ncolour: blue'))
    assert (line, code) == (4, Code.UNKNOWN_KEY) and "allowed keys are:" in message


def test_missing_required_keys__error(tmp_path: Path) -> None:
    text = VALID.replace("title: Mini questionnaire\n", "").replace("            text: Second statement\n", "")
    problems = errors(tmp_path, text)
    messages = [m for _, _, m in problems]
    assert any("a questionnaire needs the key 'title'" in m and ":1:" in m for m in messages)
    assert any("a statement needs the key 'text'" in m and ":25:" in m for m in messages)


@pytest.mark.parametrize(("old", "new", "line"), [
    ("id: st2", "id: st1", 26),        # statement repeats a statement
    ("id: d1", "id: s1", 19),          # duty repeats a section
    ("id: st2", "id: mini", 26),       # statement repeats the questionnaire id
])
def test_duplicate_ids__error(tmp_path: Path, old: str, new: str, line: int) -> None:
    problems = errors(tmp_path, VALID.replace(old, new))
    assert [(p[0], p[1]) for p in problems] == [(line, Code.DUPLICATE_ID)]
    assert "is used twice" in problems[0][2] and "first at" in problems[0][2]


def test_duplicate_yaml_key__error(tmp_path: Path) -> None:
    problems = errors(tmp_path, VALID.replace("title: Mini questionnaire", "title: A\ntitle: B"))
    assert [(p[0], p[1]) for p in problems] == [(3, Code.DUPLICATE_KEY)]
    assert "appears twice (first on line 2)" in problems[0][2]


def test_empty_section__error(tmp_path: Path) -> None:
    text = VALID.split("    duties:")[0] + "    duties: []\n"
    [(line, code, message)] = errors(tmp_path, text)
    assert (line, code) == (18, Code.EMPTY_LIST) and "'duties' of sections[0] is empty" in message


def test_empty_duty__error(tmp_path: Path) -> None:
    text = VALID.split("        statements:")[0] + "        statements:\n"
    [(line, code, message)] = errors(tmp_path, text)
    assert code is Code.WRONG_TYPE and line == 22 and "must be a list, not nothing" in message
    text = VALID.split("        statements:")[0] + "        statements: []\n"
    [(line, code, message)] = errors(tmp_path, text)
    assert (line, code) == (22, Code.EMPTY_LIST) and "is empty" in message


def test_no_sections__error(tmp_path: Path) -> None:
    text = VALID.split("sections:")[0] + "sections: []\n"
    [(line, code, _)] = errors(tmp_path, text)
    assert (line, code) == (15, Code.EMPTY_LIST)


def test_scale_duplicate_value__error(tmp_path: Path) -> None:
    text = VALID.replace("    - value: 2\n", "    - value: 1\n")
    [(line, code, message)] = errors(tmp_path, text)
    assert (line, code) == (9, Code.SCALE_DUPLICATE) and "appears twice (first on line 7)" in message


@pytest.mark.parametrize("value", ["two", "true", "[2]", ".nan"])
def test_scale_non_numeric_value__error(tmp_path: Path, value: str) -> None:
    problems = errors(tmp_path, VALID.replace("    - value: 2\n", f"    - value: {value}\n"))
    assert [(p[0], p[1]) for p in problems] == [(9, Code.SCALE_NOT_NUMBER)]


def test_scale_fractional_value__error(tmp_path: Path) -> None:
    [(line, code, message)] = errors(tmp_path, VALID.replace("    - value: 2\n", "    - value: 2.5\n"))
    assert (line, code) == (9, Code.SCALE_NOT_WHOLE) and "half_points: true" in message


def test_scale_label_missing__error(tmp_path: Path) -> None:
    [(line, code, message)] = errors(tmp_path, VALID.replace("      label: Adequate\n", ""))
    assert (line, code) == (9, Code.SCALE_LABEL) and "has no label" in message
    [(line, code, message)] = errors(tmp_path, VALID.replace("label: Adequate", "label: ''"))
    assert (line, code) == (10, Code.SCALE_LABEL) and "blank label" in message


def test_scale_too_small__error(tmp_path: Path) -> None:
    text = VALID.replace("    - value: 2\n      label: Adequate\n    - value: 3\n      label: Good\n"
                         "    - value: 4\n      label: Outstanding\n", "")
    [(line, code, _)] = errors(tmp_path, text)
    assert (line, code) == (6, Code.SCALE_TOO_SMALL)


@pytest.mark.parametrize("k", ["0", "-2", "1.5", "three"])
def test_threshold_below_one__error(tmp_path: Path, k: str) -> None:
    [(line, code, message)] = errors(tmp_path, VALID.replace('version: "1"', f'version: "1"\nanonymity_threshold: {k}'))
    assert (line, code) == (4, Code.THRESHOLD) and "of at least 1" in message


@pytest.mark.parametrize("precision", ["-1", "4", "1.5"])
def test_precision_out_of_range__error(tmp_path: Path, precision: str) -> None:
    [(line, code, message)] = errors(tmp_path, VALID.replace('version: "1"', f'version: "1"\nprecision: {precision}'))
    assert (line, code) == (4, Code.PRECISION) and "from 0 to 3" in message


@pytest.mark.parametrize("value", ["1", "5", "lots"])
def test_requires_action_below_off_scale__error(tmp_path: Path, value: str) -> None:
    [(line, code, _)] = errors(tmp_path, VALID.replace('version: "1"', f'version: "1"\nrequires_action_below: {value}'))
    assert (line, code) == (4, Code.ACTION_BELOW)


def test_bad_id__error(tmp_path: Path) -> None:
    [(line, code, message)] = errors(tmp_path, VALID.replace("id: st2", "id: 'st 2!'"))
    assert (line, code) == (26, Code.BAD_ID) and "not a valid id" in message


def test_wrong_types__error(tmp_path: Path) -> None:
    problems = errors(tmp_path, VALID.replace("text: First statement", "text: [a, b]").replace(
        "  half_points: true", "  half_points: sometimes"))
    assert {(p[0], p[1]) for p in problems} == {(5, Code.WRONG_TYPE), (24, Code.WRONG_TYPE)}


def test_non_utf8__error(tmp_path: Path) -> None:
    [(line, code, message)] = errors(tmp_path, VALID.encode() + b"description: caf\xe9\n")
    assert code is Code.NOT_TEXT and line == 28 and "not valid UTF-8" in message


def test_binary__error(tmp_path: Path) -> None:
    [(line, code, message)] = errors(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert (line, code) == (1, Code.NOT_TEXT) and "binary" in message


def test_over_one_megabyte__error(tmp_path: Path) -> None:
    [(line, code, message)] = errors(tmp_path, VALID + "#" * 1_000_001 + "\n")
    assert (line, code) == (1, Code.TOO_LARGE) and "over the 1 MB limit" in message


def test_alias__error(tmp_path: Path) -> None:
    text = VALID.replace("text: First statement", "text: &t First statement").replace(
        "text: Second statement", "text: *t")
    [(line, code, _)] = errors(tmp_path, text)
    assert (line, code) == (27, Code.ALIAS)


def test_all_problems_collected__error(tmp_path: Path) -> None:
    text = (VALID.replace("title: Mini questionnaire", "titel: Mini")
            .replace("id: st2", "id: st1").replace("anonymity_threshold", "x")
            .replace('version: "1"', 'version: "1"\nprecision: 9'))
    codes = sorted(p[1].value for p in errors(tmp_path, text))
    assert codes == sorted([Code.UNKNOWN_KEY.value, Code.MISSING_KEY.value, Code.DUPLICATE_ID.value,
                            Code.PRECISION.value])


def test_unreadable_file__error(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_file(tmp_path / "missing.yaml")
    assert caught.value.problems[0].code is Code.UNREADABLE
    assert "cannot be read" in str(caught.value)


# -- through the CLI -----------------------------------------------------------------------------------------------
def test_cli_validate_shipped__ok() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    for name in ("board-self-assessment.yaml", "section-11-audit.yaml", "schools-safeguarding-return.yaml"):
        assert f"{name}: ok" in result.output


def test_cli_validate_reports_every_file__error(tmp_path: Path) -> None:
    good = write(tmp_path, VALID, "good.yaml")
    bad = write(tmp_path, VALID.replace("statements:", "statments:"), "bad.yaml")
    empty = write(tmp_path, "", "empty.yml")
    result = CliRunner().invoke(main, ["validate", str(good), str(bad), str(empty)])
    assert result.exit_code == 1
    assert f"{good}: ok" in result.output
    assert f"{bad}:22: [E101] sections[0].duties[0].statments: unknown key 'statments' in a duty — " \
           "did you mean 'statements'?" in result.output
    assert f"{empty}:1: [E005] the file is empty" in result.output


def test_cli_validate_folder__error(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.yaml")
    write(tmp_path, "id: [\n", "b.yaml")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1 and f"{tmp_path / 'a.yaml'}: ok" in result.output
    assert f"{tmp_path / 'b.yaml'}:2: [E004]" in result.output


def test_cli_validate_empty_folder__error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1 and "no questionnaire files" in result.output


GRADES = """grades:
  - label: Good
    mean_at_least: 3
  - label: Requires improvement
    share_below_at_most: 0.5
  - label: Inadequate
"""


def test_grades__ok(tmp_path: Path) -> None:
    q = ok(tmp_path, VALID.replace("scale:\n", GRADES + "scale:\n", 1))
    assert [(g.label, g.mean_at_least, g.share_below_at_most) for g in q.grades] == [
        ("Good", 3.0, None), ("Requires improvement", None, 0.5), ("Inadequate", None, None)]
    assert q.grade_of(3.2, 0.9) == "Good" and q.grade_of(2.0, 0.5) == "Requires improvement"
    assert q.grade_of(2.0, 0.6) == "Inadequate"
    # A definition without grades keeps the fingerprint it always had; one with them is another version.
    assert "grades" not in load_text(VALID).to_dict() and "grades" in q.to_dict()
    # Stored definitions are written back as YAML and read again: the grades survive the round trip.
    from survey.definitions import to_yaml

    assert load_text(to_yaml(q)).grades == q.grades


@pytest.mark.parametrize(("grades", "message"), [
    ("grades: []\n", "'grades' of the questionnaire is empty"),
    ("grades:\n  - label: Good\n    mean_at_least: 3\n", "the last grade, 'Good', has conditions"),
    ("grades:\n  - label: Good\n  - label: Poor\n", "the grade 'Good' has no conditions"),
    ("grades:\n  - label: Good\n    mean_at_least: 7\n  - label: Poor\n", "'mean_at_least' is 7, not a rating"),
    ("grades:\n  - label: Good\n    share_below_at_most: 1.5\n  - label: Poor\n",
     "'share_below_at_most' is 1.5, not a share from 0 to 1"),
    ("grades:\n  - label: Good\n    mean_at_least: yes\n  - label: Poor\n", "'mean_at_least' is True, not a rating"),
    ("grades:\n  - label: Good\n    mean_at_least: 3\n  - label: Good\n", "the grade 'Good' is defined twice"),
    ("grades:\n  - label: Good\n    mean: 3\n  - label: Poor\n", "unknown key 'mean' in a grade"),
    ("grades:\n  - mean_at_least: 3\n  - label: Poor\n", "a grade needs the key 'label'"),
])
def test_grades__error(tmp_path: Path, grades: str, message: str) -> None:
    found = errors(tmp_path, VALID.replace("scale:\n", grades + "scale:\n", 1))
    assert any(message in text for _, _, text in found), found
    assert all(line >= 4 for line, _, _ in found), "the line of the grades, not the top of the file"
