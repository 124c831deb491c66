"""The labelled set and the quality measures (the figures themselves are in benchmarks/)."""

from __future__ import annotations

import pytest

from xinzhi.matching.evaluation import (
    TEXT_ONLY,
    char_bm25_ranker,
    characters,
    evaluate,
    load_labelled_set,
    ndcg_at,
    recall_at,
    xinzhi_ranker,
)
from xinzhi.matching.fields import Field

from .conftest import LABELLED


@pytest.fixture(scope="module")
def labelled():
    return load_labelled_set(LABELLED)


def test_the_labelled_set_is_as_described(labelled):
    assert len(labelled.demands) == 100 and labelled.pairs >= 300
    ids = {r.id for r in labelled.results}
    assert all(set(found) <= ids for found in labelled.labels.values())
    assert {d.id for d in labelled.demands} == set(labelled.labels)  # every demand has answers
    chains = {
        "aviation",
        "robotics",
        "compressors",
        "power_transmission",
        "heavy_machinery",
        "medical_devices",
        "integrated_circuits",
        "high_end_equipment",
    }
    assert chains <= {d.field for d in labelled.demands}
    assert all(Field(r.field) for r in labelled.results)


def test_recall_and_ndcg_by_hand():
    relevant = {"a": 2, "b": 1}
    assert recall_at(["x", "a", "y"], relevant, 10) == 0.5
    assert ndcg_at(["a", "b"], relevant) == pytest.approx(1.0)
    # b first, then a: (1/log2 2 + 3/log2 3) / (3/log2 2 + 1/log2 3)
    assert ndcg_at(["b", "a"], relevant) == pytest.approx((1 + 3 / 1.5849625) / (3 + 1 / 1.5849625))
    assert ndcg_at(["x"], relevant) == 0.0 and recall_at(["a"], {}, 10) == 0.0


def test_characters_are_the_baseline_tokens():
    assert characters("谐波 减速器，IGBT") == ["谐", "波", "减", "速", "器", "i", "g", "b", "t"]


def test_the_matcher_is_at_least_as_good_as_character_bm25(labelled, segmenter):
    ours = evaluate("xinzhi", xinzhi_ranker(labelled, segmenter), labelled)
    text_only = evaluate("text", xinzhi_ranker(labelled, segmenter, TEXT_ONLY), labelled)
    baseline = evaluate("char", char_bm25_ranker(labelled), labelled)
    assert ours.recall >= baseline.recall and ours.ndcg >= baseline.ndcg
    assert ours.recall > 0.9 and text_only.recall > 0.9  # a regression guard, not the figure
