"""The labelled set (tests/data/tracks/labelled, written for the project — see its README):
the hard negatives the issue names stay out, and quality does not fall below the targets."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from xinzhi.tracks.classify import Classifier, Subject
from xinzhi.tracks.taxonomy import load_catalogue

LABELLED = Path(__file__).resolve().parents[1] / "data" / "tracks" / "labelled" / "firms.csv"


def test_labelled_set_shape_and_quality():
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8")))
    truth = [set(filter(None, r["tracks"].split("|"))) for r in rows]
    evaluated = set().union(*truth)
    assert len(rows) >= 300 and len(evaluated) >= 15
    classifier = Classifier(load_catalogue(dt.date(2025, 1, 1)))
    tp = fp = fn = 0
    for row, expected in zip(rows, truth, strict=True):
        texts = {k: row[k] for k in ("name", "business_scope", "main_products")}
        found = {
            a.track
            for a in classifier.classify(
                Subject(0, texts, industry_code=row["industry_code"] or None)
            )
        }
        found &= evaluated
        tp += len(found & expected)
        fp += len(found - expected)
        fn += len(expected - found)
        if row["kind"] == "hard_negative":
            assert not found, (row["name"], found)
    assert tp / (tp + fp) >= 0.9 and tp / (tp + fn) >= 0.8
