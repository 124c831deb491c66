"""Matching speed: 100,000 research results indexed; single queries and 10,000 demands.

    .venv/bin/python benchmarks/bench_matching.py [--results 100000] [--demands 10000]
                                                  [--queries 1000] [--workers 2]

Targets (issue #6): single query p95 ≤ 20 ms; 10,000 demands × 100,000 results, top 10 each
with reasons, ≤ 60 s on 2 cores. The corpus is synthetic, generated from the shipped
technology-term list (``matching/data/terms.txt``) and fixed phrase templates with a fixed
seed, so every run indexes the same text. A query is timed from its raw text: segmentation,
BM25, features, top 10 and the reasons.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from xinzhi.matching.chainlink import chain_terms
from xinzhi.matching.fields import FIELD_ORDER
from xinzhi.matching.index import UNKNOWN, Documents, TextIndex, build_index
from xinzhi.matching.matcher import rank_many
from xinzhi.matching.scoring import Query, rank
from xinzhi.matching.segment import Segmenter, shipped_terms

RESULT_TITLES = (
    "{a}{b}技术",
    "高性能{a}研制",
    "{a}与{b}一体化设计",
    "{a}国产化关键技术",
    "基于{a}的{b}方法",
    "{a}在线监测系统",
)
RESULT_SENTENCES = (
    "针对{a}存在的{p}问题，提出{b}新方法",
    "研制{a}样机，{b}指标达到国际先进水平",
    "建立{a}仿真模型，优化{b}工艺参数",
    "采用{a}与{b}相结合的技术路线",
    "已在{c}领域完成中试验证，可用于{a}",
    "形成{a}设计、制造和检测成套技术",
)
DEMAND_SENTENCES = (
    "我公司生产{a}，目前{p}问题突出",
    "需要{b}技术，提高{a}的可靠性",
    "希望与高校合作开发{a}，替代进口{b}",
    "现有{a}依赖外购，成本高、交期长",
)
PROBLEMS = ("寿命短", "精度低", "效率低", "能耗高", "一致性差", "故障率高", "噪声大", "成本高")


def synthetic(count: int, sentences, titles, rng: random.Random, terms: list[str]) -> Documents:
    fields = len(FIELD_ORDER)
    texts, field, trl = [], [], []
    for _ in range(count):

        def fill(template: str) -> str:
            return template.format(
                a=rng.choice(terms),
                b=rng.choice(terms),
                c=rng.choice(terms),
                p=rng.choice(PROBLEMS),
            )

        title = fill(rng.choice(titles)) if titles else fill("{a}{b}需求")
        body = "，".join(fill(rng.choice(sentences)) for _ in range(rng.randint(3, 5))) + "。"
        texts.append(f"{title}\n{body}")
        field.append(rng.randrange(fields))
        trl.append(rng.randint(1, 9))
    n = count
    return Documents.build(
        ids=range(1, n + 1),
        texts=texts,
        field=field,
        node=[UNKNOWN] * n,
        chain=[UNKNOWN] * n,
        trl=trl,
        district=[rng.randrange(13) for _ in range(n)],
        city=[0] * n,
        cities=["沈阳市"],
    )


def queries_from(documents: Documents) -> list[Query]:
    """Queries carrying their raw text: the workers segment them."""
    return [
        Query(tokens=None, text=text, field=int(f), trl=int(t), district=int(d), city="沈阳市")
        for text, f, t, d in zip(
            documents.texts, documents.field, documents.trl, documents.district, strict=True
        )
    ]


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in lscpu.splitlines()
                if line.startswith("Model name")
            ),
            "?",
        )
    except (OSError, subprocess.CalledProcessError):
        model = platform.processor() or "?"
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--demands", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print(f"load average before: {load_average()}")
    rng = random.Random(2024)
    terms = list(shipped_terms())
    started = time.perf_counter()
    segmenter = Segmenter(chain_terms(None))  # as shipped: with the chain maps' terms
    print(
        f"segmenter (jieba + {len(segmenter.terms)} terms) ready in "
        f"{time.perf_counter() - started:.1f} s"
    )

    results = synthetic(args.results, RESULT_SENTENCES, RESULT_TITLES, rng, terms)
    demands = synthetic(args.demands, DEMAND_SENTENCES, (), rng, terms)
    started = time.perf_counter()
    index = build_index(results, segmenter, workers=args.workers)
    build = time.perf_counter() - started
    print(
        f"index: {len(index):,} results, {len(index.vocab):,} tokens, "
        f"{len(index.data):,} postings, built in {build:.1f} s ({args.workers} processes "
        "segmenting)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index.save(Path(tmp) / "results")
        saved = time.perf_counter() - started
        started = time.perf_counter()
        index = TextIndex.load(Path(tmp) / "results")
        loaded = time.perf_counter() - started
        print(f"saved in {saved:.2f} s, loaded (memory-mapped) in {loaded:.3f} s")

        # single queries, from raw text
        texts = demands.texts[: args.queries]
        rank(index, Query(tokens=segmenter.tokens(texts[0])), 10)  # warm the page cache
        timings = []
        for i, text in enumerate(texts):
            began = time.perf_counter()
            query = Query(
                tokens=segmenter.tokens(text),
                field=int(demands.field[i]),
                trl=int(demands.trl[i]),
                district=int(demands.district[i]),
                city="沈阳市",
            )
            matches = rank(index, query, 10)
            timings.append(time.perf_counter() - began)
            assert all(m.reasons for m in matches)
        ms = np.array(timings) * 1000
        print(
            f"single query over {len(index):,} results ({len(texts)} queries): "
            f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, "
            f"p99 {np.percentile(ms, 99):.1f} ms — target p95 ≤ 20 ms"
        )

        # all demands, top 10 each with reasons
        began, cpu = time.perf_counter(), _cpu_seconds()
        ranked = rank_many(
            index, queries_from(demands), 10, workers=args.workers, segmenter=segmenter
        )
        total, cpu = time.perf_counter() - began, _cpu_seconds() - cpu
        assert len(ranked) == len(demands) and all(m.reasons for ms_ in ranked for m in ms_)
        print(
            f"{len(demands):,} demands × {len(index):,} results, from raw text to top 10 "
            f"with reasons, {args.workers} processes: {total:.1f} s wall, {cpu:.1f} CPU-seconds "
            "(parent and workers) — target ≤ 60 s"
        )
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
