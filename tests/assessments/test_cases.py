"""The YAML cases beside the assessment declarations (rulesets/assessments/cases/), one pytest
item per case: each cites its clause in the file's header and runs the real declaration."""

from __future__ import annotations

import pytest

from xinzhi.assessments.cases import load_assessment_cases, run_assessment_case
from xinzhi.assessments.catalogue import load_catalog

CATALOG = load_catalog()
CASES = load_assessment_cases(catalog=CATALOG)


def test_every_shipped_case_file_names_a_declaration():
    assert CASES, "no assessment cases found"
    assert {c.assessment for c in CASES} <= {d.id for d in CATALOG.declarations}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case):
    assert run_assessment_case(case, CATALOG) == [], f"{case.file}:{case.line}"
