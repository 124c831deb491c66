"""Rule sets as data: a bureau's own folder (XINZHI_RULES_PATH or --rules) overrides a shipped
declaration of the same id and version without touching the installed package, and
`xinzhi rules path` shows which file each declaration in force comes from."""

from __future__ import annotations

import hashlib
import shutil
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from xinzhi.assessments.catalogue import load_catalog
from xinzhi.assessments.runs import evaluate
from xinzhi.cli import app
from xinzhi.cli import common as commandline
from xinzhi.domain.errors import XinzhiError
from xinzhi.policies.declarations import load_policies
from xinzhi.rulelang.rulesets import (
    ENVIRONMENT,
    SHIPPED,
    RuleSetFolderError,
    declaration_list,
    rule_sets,
)

from ..assessments.firms import AS_OF, registry
from ..assessments.test_hnte import SELF_DEVELOPED, WORKED

SHIPPED_HNTE = SHIPPED / "assessments" / "hnte.yaml"


def bureau_folder(tmp_path, share: str = "12%", name: str = "bureau"):
    """A bureau's rule set: the shipped HNTE declaration with 科技人员占比 raised to ``share``."""
    folder = tmp_path / name / "assessments"
    folder.mkdir(parents=True)
    text = SHIPPED_HNTE.read_text(encoding="utf-8")
    changed = text.replace(
        "value: 10%, mark: ✅, reference: banfa, article: 第十一条（四）",
        f"value: {share}, mark: ✅, reference: banfa, article: 第十一条（四）",
    )
    assert changed != text  # the line the bureau edits is there
    (folder / "hnte.yaml").write_text(changed, encoding="utf-8")
    return tmp_path / name


def tech_staff_clause(engine) -> bool | None:
    result = evaluate(engine, as_of=AS_OF, only={"hnte"})
    return result.detail["hnte"].to_pylist()[0]["c__tech_staff"]


@pytest.fixture
def no_bureau(monkeypatch):
    """No bureau folders from the environment; restores it after (``--rules`` extends it)."""
    monkeypatch.setenv(ENVIRONMENT, "")


def test_a_bureau_threshold_changes_the_result_not_the_package(
    sqlite_engine, tmp_path, monkeypatch, no_bureau
):
    """第十一条（四）: 14 of 120 staff (11.7 %) meet the national 10 % but not a bureau's 12 %."""
    registry(
        sqlite_engine, [{"name": "甲", "years": WORKED, "ip": SELF_DEVELOPED, "hnte_field": "8"}]
    )
    installed = hashlib.sha256(SHIPPED_HNTE.read_bytes()).hexdigest()
    assert tech_staff_clause(sqlite_engine) is True

    monkeypatch.setenv(ENVIRONMENT, str(bureau_folder(tmp_path)))
    assert tech_staff_clause(sqlite_engine) is False
    hnte = [d for d in load_catalog().declarations if d.id == "hnte"]
    assert [d.path for d in hnte] == [tmp_path / "bureau" / "assessments" / "hnte.yaml"]
    assert hashlib.sha256(SHIPPED_HNTE.read_bytes()).hexdigest() == installed

    monkeypatch.setenv(ENVIRONMENT, "")
    assert tech_staff_clause(sqlite_engine) is True


def test_rules_path_shows_where_each_declaration_comes_from(tmp_path, monkeypatch, no_bureau):
    monkeypatch.setattr(commandline.console, "_width", 400)  # whole paths on one line
    bureau = bureau_folder(tmp_path)
    monkeypatch.setenv(ENVIRONMENT, str(bureau))
    shown = CliRunner().invoke(app, ["rules", "path", "--all"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    hnte = [line for line in lines if "  hnte  " in line]
    assert len(hnte) == 2
    replaced = next(line for line in hnte if "replaced by" in line)
    assert str(SHIPPED_HNTE) in replaced and str(bureau / "assessments" / "hnte.yaml") in replaced
    in_force = next(line for line in hnte if "replaced by" not in line)
    assert str(bureau / "assessments" / "hnte.yaml") in in_force and "bureau" in in_force
    assert any("  sme  " in line and "shipped" in line for line in lines)

    without_replaced = CliRunner().invoke(app, ["rules", "path"]).output
    assert sum("  hnte  " in line for line in without_replaced.splitlines()) == 1


def test_rules_option_adds_a_folder_after_the_environment(tmp_path, monkeypatch, no_bureau):
    monkeypatch.setattr(commandline.console, "_width", 400)
    first = bureau_folder(tmp_path, "11%", "first")
    second = bureau_folder(tmp_path, "12%", "second")
    monkeypatch.setenv(ENVIRONMENT, str(first))
    shown = CliRunner().invoke(app, ["rules", "path", "--rules", str(second)])
    assert shown.exit_code == 0, shown.output
    hnte = [line for line in shown.output.splitlines() if "  hnte  " in line]
    assert len(hnte) == 1 and str(second / "assessments" / "hnte.yaml") in hnte[0]


def test_later_folders_override_and_new_ids_are_added(tmp_path, monkeypatch, no_bureau):
    first = bureau_folder(tmp_path, "11%", "first")
    second = bureau_folder(tmp_path, "12%", "second")
    text = SHIPPED_HNTE.read_text(encoding="utf-8").replace("id: hnte\n", "id: hnte_local\n", 1)
    (second / "assessments" / "hnte-local.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv(ENVIRONMENT, f"{first}:{second}")
    sets = rule_sets()
    assert sets.folders == (SHIPPED, first.resolve(), second.resolve())
    catalog = load_catalog()
    hnte = catalog.get("hnte")
    assert hnte.path.parent.parent == second
    assert hnte.parameters["min_tech_staff_share"].values[0].value == Fraction(12, 100)
    assert catalog.get("hnte_local").path.name == "hnte-local.yaml"
    files = declaration_list(sets)
    replaced = [f for f in files if f.id == "hnte" and f.replaced_by]
    assert {f.folder for f in replaced} == {SHIPPED, first.resolve()}
    # policies that name the assessment still load against the overridden catalogue
    assert load_policies().policies


def test_a_bureau_policy_overrides_the_shipped_one(tmp_path, monkeypatch, no_bureau):
    folder = tmp_path / "bureau" / "policies"
    folder.mkdir(parents=True)
    shipped = SHIPPED / "policies" / "compute-vouchers.yaml"
    shutil.copy(shipped, folder / shipped.name)
    monkeypatch.setenv(ENVIRONMENT, str(tmp_path / "bureau"))
    chosen = [p for p in load_policies().policies if p.id == "compute_vouchers"]
    assert [p.path for p in chosen] == [folder / shipped.name]


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_bad_folder_is_a_clear_error(tmp_path, monkeypatch, no_bureau, make):
    folder = tmp_path / "bureau"
    if make == "empty":
        folder.mkdir()
    monkeypatch.setenv(ENVIRONMENT, str(folder))
    with pytest.raises(RuleSetFolderError) as raised:
        rule_sets()
    assert isinstance(raised.value, XinzhiError)
    assert str(folder) in raised.value.zh and str(folder) in raised.value.en
    assert ENVIRONMENT in raised.value.en
    shown = CliRunner().invoke(app, ["assess", "--only", "hnte"])  # fails before any work
    assert shown.exit_code == 2
    assert ENVIRONMENT in shown.output and str(folder) in shown.output.replace("\n", "")
    monkeypatch.setenv(ENVIRONMENT, "")
    shown = CliRunner().invoke(app, ["rules", "path", "--rules", str(folder)])
    assert shown.exit_code == 2
    assert "--rules" in shown.output
