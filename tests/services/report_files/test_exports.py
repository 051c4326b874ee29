"""Export cells that a spreadsheet would run as formulas are neutralised; data is kept."""

from __future__ import annotations

import pytest

from surveyapp.domain.csv_safety import neutralise_cell
from surveyapp.services.reporting.exports import BOM, COLUMNS, csv_chunks


@pytest.mark.parametrize("text", ["=1+2", "+49 30 1234", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_starting_like_a_formula_gets_an_apostrophe(text: str) -> None:
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Fine", " =not at the start", -2, 7, None, ""])
def test_other_values_are_left_alone(value: object) -> None:
    assert neutralise_cell(value) == value


def test_csv_is_written_in_batches_after_a_bom_and_the_header() -> None:
    row = dict.fromkeys(COLUMNS, "") | {"response_id": 1, "survey": "=cmd", "is_unhappy": True}
    chunks = list(csv_chunks(iter([row] * 2500)))

    assert chunks[0] == BOM + ",".join(COLUMNS) + "\r\n"
    assert len(chunks) == 4  # header, two full batches of 1,000, the rest
    assert chunks[1].count("\r\n") == 1000
    assert chunks[1].startswith("1,,,'=cmd,")
    assert ",true," in chunks[1]
