"""Matching quality on the labelled set: Recall@k and nDCG@k against rank_bm25 on characters.

    .venv/bin/python benchmarks/bench_matching_quality.py

The labelled set is tests/data/matching/ (100 demands, 314 results, 313 labelled pairs; see
its README for provenance). Rows, all measured in this run over the same demands and results:

* Xinzhi — the matcher as shipped: jieba with the domain dictionary (the shipped term list and
  the shipped chain maps' node and technology names) and stop words, BM25 by
  bm25s over titles and abstracts, plus field and maturity features (no chain or place data
  in the set, so those score neutral);
* Xinzhi, text only — the same BM25 with every feature weight set to 0;
* baseline — ``rank_bm25.BM25Okapi`` over single characters of titles and abstracts.

Each is run on the full demand (title and description) and on the title alone.
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

from xinzhi.matching.chainlink import chain_terms
from xinzhi.matching.evaluation import (
    TEXT_ONLY,
    char_bm25_ranker,
    evaluate,
    load_labelled_set,
    xinzhi_ranker,
)
from xinzhi.matching.segment import Segmenter

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "matching" / "labelled"


def main() -> None:
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    data = load_labelled_set(LABELLED)
    print(
        f"labelled set: {len(data.demands)} demands, {len(data.results)} results, "
        f"{data.pairs} labelled pairs"
    )
    segmenter = Segmenter(chain_terms(None))  # as shipped: with the chain maps' terms
    titles_only = copy.deepcopy(data)
    for demand in titles_only.demands:
        demand.text = ""
    print(
        f"{'query':<12}{'method':<24}{'Recall@10':>10}{'nDCG@10':>10}{'Recall@3':>10}"
        f"{'nDCG@3':>10}{'ms/query':>10}"
    )
    for label, dataset in (("full", data), ("title only", titles_only)):
        rankers = (
            ("Xinzhi", xinzhi_ranker(dataset, segmenter)),
            ("Xinzhi, text only", xinzhi_ranker(dataset, segmenter, TEXT_ONLY)),
            ("char BM25Okapi", char_bm25_ranker(dataset)),
        )
        for name, ranker in rankers:
            began = time.perf_counter()
            at10 = evaluate(name, ranker, dataset, 10)
            elapsed = (time.perf_counter() - began) / len(dataset.demands) * 1000
            at3 = evaluate(name, ranker, dataset, 3)
            print(
                f"{label:<12}{name:<24}{at10.recall:>10.3f}{at10.ndcg:>10.3f}"
                f"{at3.recall:>10.3f}{at3.ndcg:>10.3f}{elapsed:>10.2f}"
            )
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
