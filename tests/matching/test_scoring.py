"""The score: the fast path equals the definition, top-k is exact, every match has reasons."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinzhi.matching.fields import FIELD_INDEX, FIELD_ORDER
from xinzhi.matching.index import UNKNOWN, Documents, TextIndex, build_index
from xinzhi.matching.scoring import (
    DEFAULT_WEIGHTS,
    MATURITY_TABLE,
    Query,
    Scored,
    Weights,
    features,
    maturity_fit,
    rank,
    score_all,
    top_positions,
)

WORDS = [
    "谐波减速器",
    "柔轮",
    "寿命",
    "热障涂层",
    "涡轮叶片",
    "焊缝跟踪",
    "激光",
    "伺服电机",
    "晶圆",
    "刻蚀",
    "变压器",
    "局部放电",
    "盾构机",
    "主轴承",
]


@st.composite
def corpora(draw):
    size = draw(st.integers(1, 25))
    texts = [
        " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=6)))
        for _ in range(size)
    ]
    cities = ["沈阳市", "大连市"]

    def column(values):
        return draw(st.lists(values, min_size=size, max_size=size))

    documents = Documents.build(
        ids=range(1, size + 1),
        texts=[f"{t}\n{t}" for t in texts],
        field=column(st.integers(-1, len(FIELD_ORDER) - 1)),
        node=column(st.integers(-1, 3)),
        chain=column(st.integers(-1, 1)),
        trl=column(st.integers(0, 9)),
        district=column(st.integers(-1, 2)),
        city=column(st.integers(-1, 1)),
        cities=cities,
    )
    query = Query(
        tokens=draw(st.lists(st.sampled_from(WORDS), max_size=5)),
        field=draw(st.integers(-1, len(FIELD_ORDER) - 1)),
        node=draw(st.integers(-1, 3)),
        chain=draw(st.integers(-1, 1)),
        trl=draw(st.integers(0, 9)),
        district=draw(st.integers(-1, 2)),
        city=draw(st.sampled_from([None, *cities, "鞍山市"])),
        is_demand=draw(st.booleans()),
    )
    return documents, query


@settings(max_examples=120, deadline=None)
@given(corpora())
def test_fast_score_equals_the_weighted_features(segmenter, case):
    documents, query = case
    query.tokens = [t for word in query.tokens for t in segmenter.tokens(word)]
    index = build_index(documents, segmenter)
    scored = score_all(index, query)
    parts = features(index, query, scored.bm25, scored.reference)
    expected = sum(scored.weights[name] * parts[name] for name in scored.weights)
    np.testing.assert_allclose(scored.score, expected, atol=1e-5)
    linked = (scored.bm25 > 0) | (parts["field"] > 0) | (parts["chain"] > 0)
    np.testing.assert_array_equal(scored.candidate, linked)
    for match in rank(index, query, top=len(documents)):
        assert match.reasons, "every match has its reasons"
        position = index.position[match.id]
        assert linked[position], "only documents with a substantive link are matched"
        total = sum(r.points for r in match.reasons)
        assert total == pytest.approx(match.score, abs=0.1 * len(match.reasons) + 0.05)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1, width=32), min_size=1, max_size=3000), st.data())
def test_top_positions_is_exact(scores, data):
    score = np.array(scores, dtype=np.float32)
    candidate = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(scores), max_size=len(scores)))
    )
    top = data.draw(st.integers(1, 15))
    scored = Scored(score, score, 1.0, {}, np.zeros(0, np.int64), lambda at: candidate[at])
    expected = sorted(np.flatnonzero(candidate), key=lambda i: (-score[i], i))[:top]
    assert list(top_positions(scored, top)) == expected


def test_maturity_table_is_the_fit_function():
    for needed in range(10):
        for result in range(10):
            assert MATURITY_TABLE[needed, result] == maturity_fit(result, needed)
    assert maturity_fit(7, 6) == 1.0 and maturity_fit(5, 6) == pytest.approx(2 / 3)
    assert maturity_fit(2, 6) == 0.0 and maturity_fit(5, 0) == 0.5  # no need stated: neutral


def _index(segmenter, texts, **columns) -> TextIndex:
    size = len(texts)
    defaults = {
        "field": [FIELD_INDEX["robotics"]] * size,
        "node": [UNKNOWN] * size,
        "chain": [UNKNOWN] * size,
        "trl": [6] * size,
        "district": [UNKNOWN] * size,
        "city": [UNKNOWN] * size,
    }
    defaults.update(columns)
    return build_index(Documents.build(ids=range(1, size + 1), texts=texts, **defaults), segmenter)


def test_reasons_name_shared_terms_field_node_maturity_and_place(segmenter):
    index = _index(
        segmenter,
        ["长寿命谐波减速器\n柔轮疲劳寿命提高", "热障涂层\n涡轮叶片"],
        node=[7, UNKNOWN],
        chain=[1, UNKNOWN],
        district=[3, UNKNOWN],
        city=[0, UNKNOWN],
    )
    index.cities = ["沈阳市"]
    from xinzhi.matching.scoring import Labels

    query = Query(
        tokens=segmenter.tokens("谐波减速器寿命不足"),
        field=FIELD_INDEX["robotics"],
        node=7,
        chain=1,
        trl=6,
        district=3,
        city="沈阳市",
    )
    labels = Labels(nodes={7: "机器人·精密减速器"}, chains={1: "机器人"}, districts={3: "浑南区"})
    best = rank(index, query, 2, labels=labels)[0]
    codes = {r.code: r for r in best.reasons}
    assert best.id == 1
    shown = codes["shared_terms"].zh.split("：")[1].split("等")[0].split("、")
    assert "谐波减速器" in shown and "谐波" not in shown  # a part is not shown beside its whole
    assert codes["same_field"].en == "same field: robotics"
    assert codes["same_node"].zh == "同一产业链节点：机器人·精密减速器"
    assert "满足" in codes["maturity"].zh and "meets" in codes["maturity"].en
    assert codes["same_district"].zh == "同在浑南区"
    assert all(r.zh and r.en for r in best.reasons)


def test_unrelated_documents_are_not_matched(segmenter):
    index = _index(segmenter, ["热障涂层\n涡轮叶片"], field=[FIELD_INDEX["aviation"]])
    query = Query(tokens=segmenter.tokens("晶圆刻蚀"), field=FIELD_INDEX["integrated_circuits"])
    assert rank(index, query) == []


def test_the_text_feature_is_the_share_of_the_query_covered(segmenter):
    index = _index(segmenter, ["谐波减速器\n", "谐波减速器 柔轮 寿命\n"])
    full = Query(tokens=segmenter.tokens("谐波减速器"), field=UNKNOWN)
    scored = score_all(index, full, Weights(text=1, field=0, chain=0, maturity=0, distance=0))
    assert scored.score.max() <= 1.0 and scored.score.min() > 0


def test_index_round_trips_through_disk(segmenter, tmp_path):
    index = _index(segmenter, ["谐波减速器\n柔轮", "伺服电机\n编码器", "热障涂层\n叶片"])
    index.save(tmp_path / "results")
    loaded = TextIndex.load(tmp_path / "results")
    query = Query(tokens=segmenter.tokens("减速器与伺服电机"), field=FIELD_INDEX["robotics"])
    assert [(m.id, m.score) for m in rank(loaded, query)] == [
        (m.id, m.score) for m in rank(index, query)
    ]
    assert TextIndex.load(tmp_path / "missing") is None


def test_concurrent_saves_never_touch_a_loaded_index(segmenter, tmp_path):
    """Two writers swapping the same folder (two matchers, or the CLI beside the web app)
    must never rewrite a file another reader has memory-mapped: that reader would die of
    SIGBUS. Every save writes a folder of its own; a loaded index stays readable."""
    import threading

    small = _index(segmenter, ["谐波减速器\n柔轮"])
    large = _index(segmenter, [f"伺服电机{i}\n编码器 减速器" for i in range(300)])
    small.save(tmp_path / "results")
    reader = TextIndex.load(tmp_path / "results")
    query = Query(tokens=segmenter.tokens("减速器"), field=UNKNOWN)
    expected = [(m.id, m.score) for m in rank(reader, query)]
    failures: list[BaseException] = []

    def write(index):
        try:
            for _ in range(10):
                index.save(tmp_path / "results")
        except BaseException as error:  # noqa: BLE001 — reported by the assertion below
            failures.append(error)

    writers = [threading.Thread(target=write, args=(i,)) for i in (small, large, small)]
    for writer in writers:
        writer.start()
    for _ in range(20):
        assert [(m.id, m.score) for m in rank(reader, query)] == expected
        again = TextIndex.load(tmp_path / "results")
        assert again is not None and len(again.ids) in (1, 300)
        assert len(again.field) == len(again.ids)  # arrays of one build
    for writer in writers:
        writer.join()
    assert failures == []
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert len(left) == 2 and left[0] == "results"  # the link and the one build it names
    assert (tmp_path / "results").resolve().name == left[1]


def test_default_weights_are_declared_and_sum_to_one_without_embeddings():
    weights = DEFAULT_WEIGHTS.active(semantic=False)
    assert set(weights) == {"text", "field", "chain", "maturity", "distance"}
    assert sum(weights.values()) == pytest.approx(1.0)
