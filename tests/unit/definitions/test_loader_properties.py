"""Property: whatever text or YAML the loader is fed, it returns a questionnaire or raises DefinitionError."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.definitions import DefinitionError, Questionnaire, load_bytes, load_text

from .test_loader import VALID

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10), st.floats(allow_nan=True),
                    st.text(max_size=20), st.dates())
keys = st.sampled_from(["id", "title", "version", "scale", "sections", "duties", "statements", "points", "value",
                        "label", "text", "half_points", "precision", "anonymity_threshold", "x"])
documents = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=6)), max_leaves=30)


def _load(data: bytes) -> None:
    try:
        result = load_bytes(data, "fuzz.yaml")
    except DefinitionError as exc:
        assert exc.problems, "a DefinitionError always carries at least one problem"
        for problem in exc.problems:
            assert problem.file == "fuzz.yaml" and problem.line >= 1 and problem.message
        return
    assert isinstance(result, Questionnaire)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    _load(data)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("abc:- \n\t[]{}&*!|>'\"#%@`,?0123456789")), max_size=200))
def test_arbitrary_yamlish_text(text: str) -> None:
    _load(text.encode("utf-8"))


@settings(max_examples=300)
@given(documents)
def test_arbitrary_yaml_structures(document: object) -> None:
    _load(yaml.safe_dump(document).encode("utf-8"))


@settings(max_examples=200)
@given(st.integers(0, len(VALID) - 1), st.integers(1, 30), st.text(max_size=5))
def test_mutated_valid_definition(start: int, length: int, insert: str) -> None:
    _load((VALID[:start] + insert + VALID[start + length:]).encode("utf-8"))


def test_deep_nesting_is_a_definition_error() -> None:
    for text in ("[" * 50_000, "a:\n" + "".join(" " * i + "- \n" for i in range(200)), "{a: " * 5000):
        try:
            load_text(text)
        except DefinitionError as exc:
            assert "nested more than 32 levels" in str(exc)
            continue
        raise AssertionError("deeply nested input must be refused")
