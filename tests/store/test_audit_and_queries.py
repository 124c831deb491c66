"""store.audit (the audit log's one write path, action names as an enum) and store.queries
(the queries many modules ask), on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import xinzhi
from xinzhi.store.audit import Action, audit
from xinzhi.store.models import AuditEntry
from xinzhi.store.queries import (
    district_by_code_or_name,
    district_names,
    enterprise_by_credit_code,
    region_names,
)

from ..assessments.firms import registry

SRC = Path(xinzhi.__file__).parent


def test_a_row_in_the_callers_transaction(engine):
    with Session(engine) as session, session.begin():
        audit(session, actor="甲", action=Action.TARGET_SET, subject="target:x", detail={"a": 1})
    with engine.begin() as conn:
        audit(conn, actor="乙", action=Action.IMPORT, subject="districts:f.csv")
    try:
        with engine.begin() as conn:
            audit(conn, actor="丙", action=Action.CHAIN_EDIT)
            raise RuntimeError("the change fails")
    except RuntimeError:
        pass
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail).order_by(
                AuditEntry.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [("甲", "target.set", {"a": 1}), ("乙", "import", None)]


def test_an_unknown_action_is_refused(sqlite_engine):
    with pytest.raises(ValueError), sqlite_engine.begin() as conn:
        audit(conn, actor="甲", action="target.sett")


def test_no_audit_row_is_built_by_hand():
    """Every AuditEntry is written by store.audit: no other module constructs or inserts one."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "audit.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = ast.unparse(node.func)
                arguments = " ".join(ast.unparse(a) for a in node.args)
                if called.endswith("AuditEntry") or (
                    called.endswith("insert") and "AuditEntry" in arguments
                ):
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_the_shared_queries(engine):
    code, _ = registry(
        engine,
        [{"name": "测试企业", "district": "210106"}, {"name": "乙", "district": "210102"}],
        lists=(),
    )
    names = district_names(engine)
    assert list(names.values()) == ["和平区", "铁西区"]  # in the order of the codes
    with engine.connect() as conn:
        assert district_names(conn) == names
        by_code = district_by_code_or_name(conn, "210106")
        assert by_code is not None and by_code == district_by_code_or_name(conn, "铁西区")
    assert district_by_code_or_name(engine, "浑南区") is None
    with Session(engine) as session:
        found = enterprise_by_credit_code(session, code)
    assert found is not None and found[1] == "测试企业"
    assert enterprise_by_credit_code(engine, code[:-1] + ("0" if code[-1] != "0" else "1")) is None
    assert region_names(engine) == {"和平区", "铁西区", "沈阳市"}
