"""Classification with evidence: what assigns, what does not, and why."""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.tracks.classify import Classifier, Subject, noisy_or
from xinzhi.tracks.taxonomy import load_catalogue


@pytest.fixture(scope="module")
def classifier():
    return Classifier(load_catalogue(dt.date(2025, 1, 1)))


def tracks(classifier, **texts) -> dict[str, object]:
    codes = {k: texts.pop(k) for k in ("industry_code", "sei_category", "ipc") if k in texts}
    return {a.track: a for a in classifier.classify(Subject(1, texts, **codes))}


def test_a_track_name_in_the_products_assigns_with_its_evidence(classifier):
    found = tracks(classifier, name="沈阳某科技有限公司", main_products="双足人形机器人；灵巧手")
    assignment = found["humanoid-robot"]
    assert assignment.confidence >= 0.9
    assert ("main_products", "人形机器人", 0.9) in assignment.evidence


def test_a_robot_cleaning_service_is_not_a_humanoid_robot(classifier):
    found = tracks(
        classifier,
        name="沈阳洁净机器人服务有限公司",
        business_scope="机器人清洁服务；保洁服务；清洁机器人租赁",
    )
    assert found == {}
    # while the keywords-only baseline falls for it
    subject = Subject(1, {"name": "沈阳洁净机器人服务有限公司", "business_scope": "机器人清洁服务"})
    assert "humanoid-robot" in classifier.keywords_only(subject)


def test_an_industrial_robot_maker_is_not_humanoid_on_weak_words_and_codes(classifier):
    found = tracks(
        classifier,
        name="沈阳某机器人有限公司",
        business_scope="机器人制造；伺服电机；谐波减速器",
        main_products="工业机器人",
        industry_code="C3491",
        sei_category="2",
        ipc="B25J9/16",
    )
    assert "humanoid-robot" not in found


def test_a_chip_equipment_maker_has_no_future_track(classifier):
    found = tracks(
        classifier,
        name="沈阳芯源微电子设备股份有限公司",
        business_scope="半导体专用设备研发、生产；涂胶显影设备；单片式湿法清洗设备",
        main_products="涂胶显影机",
        industry_code="C3562",
    )
    assert found == {}


def test_quantum_dots_are_not_quantum_computing(classifier):
    assert tracks(classifier, name="某光电材料公司", main_products="量子点膜；量子点背光") == {}
    found = tracks(classifier, name="某量子科技公司", main_products="超导量子比特芯片；稀释制冷机")
    assert "quantum-computing" in found


def test_a_firm_can_be_in_several_tracks(classifier):
    found = tracks(
        classifier, name="沈阳微控新能源技术有限公司", main_products="磁悬浮飞轮储能系统"
    )
    assert {"magnetic-tech", "new-energy-storage"} <= set(found)


def test_a_strong_ipc_class_with_a_weak_word_assigns(classifier):
    found = tracks(classifier, name="某科技公司", business_scope="量子技术开发", ipc="G06N10/40")
    assert "quantum-computing" in found
    assert ("ipc", "G06N10", 0.5) in found["quantum-computing"].evidence


def test_nothing_known_means_nothing_assigned(classifier):
    subject = Subject(1, {"name": None, "business_scope": None})
    assert not subject.has_evidence_data
    assert classifier.classify(subject) == []


def test_noisy_or():
    assert noisy_or([]) == 0
    assert noisy_or([0.5, 0.5]) == 0.75
