"""A small centre: two pools (one expanded mid-year), three tenants, one of them a registered
enterprise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from xinzhi.compute.imports import import_compute_file
from xinzhi.compute.registry import CentreSpec, load_centre
from xinzhi.store import models
from xinzhi.store.db import session_scope

CENTRE = {
    "code": "SY",
    "name": "测试人工智能计算中心",
    "city": "沈阳市",
    "pools": [
        {
            "code": "npu",
            "name": "昇腾池",
            "accelerator": "昇腾910B",
            "domestic": True,
            "capacity": [
                {"from": "2023-01-01", "cards": 16, "fp16_tflops_per_card": 320},
                {"from": "2023-07-01", "cards": 32, "fp16_tflops_per_card": 320},
            ],
        },
        {
            "code": "gpu",
            "name": "GPU池",
            "accelerator": "A100",
            "domestic": False,
            "capacity": [{"from": "2023-01-01", "cards": 8, "fp16_tflops_per_card": 312}],
        },
    ],
}
CODE = "91210112MA0XK1W10Y"

TENANTS = """account,name,kind,credit_code,city
acme,甲科技有限公司,企业,91210112MA0XK1W10Y,沈阳市
neu,东北大学,高校,,沈阳市
far,外地研究院,科研院所,,北京市
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def add_enterprise(engine, code: str = CODE) -> int:
    with session_scope(engine) as session:
        district = models.District(
            code="210112",
            name="浑南区",
            city="沈阳市",
            province="辽宁省",
            kind="district",
            source="test",
            as_of=dt.date(2023, 8, 31),
        )
        firm = models.Enterprise(
            credit_code=code,
            name="甲科技有限公司",
            district=district,
            founded_on=dt.date(2015, 1, 1),
            source="test",
            as_of=dt.date(2023, 8, 31),
        )
        session.add(firm)
        session.flush()
        return firm.id


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    """The usage snapshot's files go beside the test's own database."""
    monkeypatch.setenv("XINZHI_RUNS_DIR", str(tmp_path / "runs"))


@pytest.fixture
def centre(engine, tmp_path):
    """(engine, tmp_path): the centre, its pools and tenants, ready for usage."""
    add_enterprise(engine)
    load_centre(engine, CentreSpec.model_validate(CENTRE), actor="test", source="test")
    result = import_compute_file(
        engine, "tenants", write(tmp_path, "tenants.csv", TENANTS), centre="SY", actor="test"
    )
    assert result.ok, result.errors
    return engine, tmp_path
