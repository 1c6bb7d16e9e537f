"""The category translation table: one test per row, each with its expected translation
written out here (not read back from the table), and what stored pairs and annotations do."""

from __future__ import annotations

import pytest

from casework.cases import vocabulary
from casework.hotlines import categories

# (scheme, code) -> (industry, industry possible, uk, uk possible, interpol)
EXPECTED = {
    ("industry", "A1"): ("A1", ["A1"], "", ["A", "B"], "baseline"),
    ("industry", "A2"): ("A2", ["A2"], "C", ["C"], "baseline"),
    ("industry", "B1"): ("B1", ["B1"], "", ["A", "B"], "national"),
    ("industry", "B2"): ("B2", ["B2"], "C", ["C"], "national"),
    ("uk", "A"): ("", ["A1", "B1"], "A", ["A"], ""),
    ("uk", "B"): ("", ["A1", "B1"], "B", ["B"], ""),
    ("uk", "C"): ("", ["A2", "B2"], "C", ["C"], ""),
}


def test_the_table_has_a_row_for_every_value_a_decision_can_store():
    stored = {("industry", c) for c in vocabulary.INDUSTRY_CLASSIFICATIONS}
    stored |= {("uk", c) for c in vocabulary.IWF_CATEGORIES}
    assert set(categories.ROWS) == stored == set(EXPECTED)


@pytest.mark.parametrize("row", categories.TABLE, ids=lambda r: f"{r.scheme}-{r.code}")
def test_each_row_translates_as_its_definition_says(row):
    stored = {"industry": row.code} if row.scheme == "industry" else {"uk": row.code}
    found = categories.translate(**stored)
    assert (
        found["industry"],
        found["industry_possible"],
        found["uk"],
        found["uk_possible"],
        found["interpol"],
    ) == EXPECTED[(row.scheme, row.code)]
    assert row.meaning


def test_a_stored_uk_category_decides_what_the_industry_code_leaves_open():
    found = categories.translate(industry="A1", uk="B")
    assert (found["industry"], found["uk"], found["interpol"]) == ("A1", "B", "baseline")
    assert not [n for n in found["notes"] if "graded" in n]


def test_an_industry_sex_act_alone_asks_for_a_uk_grading():
    found = categories.translate(industry="B1")
    assert found["uk"] == ""
    assert "UK category to be graded: A or B." in found["notes"]


def test_conflicting_stored_values_are_named_not_resolved():
    found = categories.translate(industry="A2", uk="A")
    assert found["industry"] == found["uk"] == ""
    assert "The stored values conflict on the UK classification." in found["notes"]


@pytest.mark.parametrize("annotation", categories.NOT_A_REAL_CHILD)
def test_a_child_who_may_not_be_real_is_not_baseline(annotation):
    found = categories.translate(industry="A1", annotations=(annotation,))
    assert found["interpol"] == "national"


def test_nothing_stored_translates_to_nothing():
    found = categories.translate()
    assert (found["industry"], found["uk"], found["interpol"]) == ("", "", "")
    assert found["notes"] == ["No classification stored."]
