"""Chain files: YAML and .xlsx round trips, the template, and errors that name where and why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from xinzhi.chains.catalogue import SHIPPED, load_shipped
from xinzhi.chains.fields import (
    LINK_FIELDS,
    NODE_FIELDS,
    TECHNOLOGY_FIELDS,
    parse_fields,
    text_list,
)
from xinzhi.chains.problems import (
    ChainFileError,
    Origin,
    Problems,
    write_problem_report,
)
from xinzhi.chains.workbook import SHEETS, read_xlsx, write_xlsx
from xinzhi.chains.yamlio import chain_from_data, dump_yaml, parse_yaml, snapshot

from .helpers import SMALL, chain_yaml


@pytest.mark.parametrize("key", SHIPPED)
def test_yaml_and_xlsx_round_trips(key, tmp_path):
    chain = load_shipped(key)
    assert parse_yaml(dump_yaml(chain), f"{key}.yaml") == chain
    assert chain_from_data(snapshot(chain), key) == chain  # the database snapshot
    path = write_xlsx(chain, tmp_path / f"{key}.xlsx")
    assert read_xlsx(path) == chain


def test_template_has_the_sheets_and_a_filled_template_imports(tmp_path):
    template = write_xlsx(None, tmp_path / "template.xlsx")
    workbook = load_workbook(template)
    assert [ws.title for ws in workbook.worksheets] == [s.title for s in SHEETS] + ["说明 Fields"]
    # a user fills it in, in the template's own layout (data from row 3)
    rows = {
        "产业链 chain": [["mychain", "我的链", None, None, "2024-01-31", None]],
        "节点 nodes": [
            ["steel", "钢材", "上游", "材料"],
            ["part", "零件", "中游", "零部件", None, None, "依赖进口", "75%", "某外企（德国）"],
            ["machine", "整机", "下游", "产品"],
        ],
        "连接 edges": [["steel", "part"], ["part", "machine"]],
        "关键技术 technologies": [["part", "精密加工", None, "受制于人", 5]],
        "企业 enterprises": [["machine", "本地整机厂", None, "较强"]],
    }
    for title, data in rows.items():
        for values in data:
            workbook[title].append(values)
    workbook.save(template)
    chain = read_xlsx(template)
    assert [n.key for n in chain.nodes] == ["steel", "part", "machine"]
    part = chain.node("part")
    assert part.import_dependence == Decimal("0.75") and part.foreign_suppliers == [
        "某外企（德国）"
    ]
    assert part.technologies[0].control == Decimal(1) and part.technologies[0].maturity == 5
    assert chain.node("machine").enterprises[0].capability == 3
    assert all(n.illustrative for n in chain.nodes)  # blank: not confirmed


def _xlsx_problems(path):
    with pytest.raises(ChainFileError) as caught:
        read_xlsx(path)
    return caught.value.problems


def test_bad_workbook_errors_name_sheet_row_field_and_reason(tmp_path):
    chain = load_shipped("robot")
    path = write_xlsx(chain, tmp_path / "robot.xlsx")
    workbook = load_workbook(path)
    nodes = workbook["节点 nodes"]
    nodes.cell(row=3, column=8, value="150%")  # import dependence of the first node
    nodes.cell(row=4, column=3, value="旁游")  # a segment that does not exist
    workbook["连接 edges"].append(["servo_motor", "no_such_node"])
    workbook.save(path)
    problems = _xlsx_problems(path)
    found = {(p.origin.sheet, p.origin.row, p.field, p.code) for p in problems}
    assert ("节点 nodes", 3, "进口依赖度", "ratio_range") in found
    assert ("节点 nodes", 4, "环节", "unknown_choice") in found
    for p in problems:
        assert p.zh and p.en and p.origin.file == "robot.xlsx"
    report = write_problem_report(problems, tmp_path / "robot.errors.xlsx")
    sheet = load_workbook(report)["错误 Errors"]
    assert sheet.cell(row=1, column=6).value == "原因" and sheet.max_row == len(problems) + 1


def test_unknown_node_in_edges_and_cycles_are_reported_with_their_row(tmp_path):
    chain = load_shipped("robot")
    path = write_xlsx(chain, tmp_path / "robot.xlsx")
    workbook = load_workbook(path)
    edges = workbook["连接 edges"]
    edges.append(["servo_motor", "no_such_node"])
    workbook.save(path)
    problems = _xlsx_problems(path)
    assert [(p.origin.sheet, p.origin.row, p.field, p.code) for p in problems] == [
        ("连接 edges", edges.max_row, "target", "unknown_node")
    ]
    # now make it servo_motor → industrial_robot → servo_motor
    edges.cell(row=edges.max_row, column=1, value="industrial_robot")
    edges.cell(row=edges.max_row, column=2, value="servo_motor")
    workbook.save(path)
    problems = _xlsx_problems(path)
    assert [p.code for p in problems] == ["cycle"]
    assert problems[0].value == "servo_motor → industrial_robot → servo_motor"
    assert (problems[0].origin.sheet, problems[0].origin.row) == ("连接 edges", edges.max_row)


def test_missing_sheet_unknown_sheet_and_bad_header(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "节点 nodes"
    workbook.active.append(["节点代号", "名称不对"])
    workbook.create_sheet("随便")
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    codes = {p.code for p in _xlsx_problems(path)}
    assert {"header", "unknown_sheet", "missing_sheet"} <= codes


def _yaml_problems(text: str):
    with pytest.raises(ChainFileError) as caught:
        parse_yaml(text, "bad.yaml")
    return caught.value.problems


def test_bad_yaml_errors_name_the_line_of_the_field():
    text = SMALL.replace("import_dependence: 80%", "import_dependence: 180%").replace(
        "kind: product\n", "kind: product\n    colour: red\n", 1
    )
    problems = _yaml_problems(text)
    lines = text.splitlines()
    by_code = {p.code: p for p in problems}
    assert "180%" in lines[by_code["ratio_range"].origin.line - 1]
    assert "colour" in lines[by_code["unknown_field"].origin.line - 1]


def test_yaml_cycle_names_its_nodes():
    text = SMALL.replace("    name: 机器人\n", "    name: 机器人\n    input_to: [a]\n")
    problems = _yaml_problems(text)
    assert [p.code for p in problems] == ["cycle"]
    assert problems[0].value == "a → c → d → a"


def test_duplicate_keys_and_technologies_are_reported():
    text = chain_yaml("""
    - {key: x, name: 甲, segment: 上游, kind: material}
    - {key: x, name: 乙, segment: 上游, kind: material,
       technologies: [{name: 工艺}, {name: 工艺}]}
    """)
    codes = [p.code for p in _yaml_problems(text)]
    assert sorted(codes) == ["duplicate_node", "duplicate_technology"]


# --- property tests of the parsers ---------------------------------------------------------

_ITEM = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters=";；、\n"
    ),
    min_size=1,
    max_size=20,
)


@given(st.lists(_ITEM, max_size=8))
def test_text_lists_split_back_to_their_items(items):
    expected = list(dict.fromkeys(" ".join(item.split()) for item in items))
    assert text_list("；".join(items)) == expected
    assert text_list(items) == expected


_RAW = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(-10, 200),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.text(max_size=5), max_size=3),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(columns=st.sampled_from([NODE_FIELDS, TECHNOLOGY_FIELDS, LINK_FIELDS]), data=st.data())
def test_any_cell_values_parse_or_are_reported(columns, data):
    raw = {column.name: data.draw(_RAW, label=column.name) for column in columns}
    problems = Problems()
    parsed = parse_fields(columns, raw, Origin(file="f", row=3), problems)
    if parsed is None:
        assert problems and all(
            p.origin.row == 3 and p.field and p.zh and p.en for p in problems.items
        )
    else:
        assert not problems and set(parsed) == {column.name for column in columns}


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(
        [
            "import_dependence: 80%",
            "segment: 上游",
            "maturity: 6",
            "control: 受制于人",
            "name: 机器人",
            "key: b",
        ]
    ),
    st.one_of(st.text(max_size=15), st.integers(), st.floats(allow_nan=False)),
)
def test_any_value_in_a_chain_file_loads_or_is_reported(field, value):
    import json

    name = field.split(":")[0]
    text = SMALL.replace(field, f"{name}: {json.dumps(value, ensure_ascii=False)}", 1)
    try:
        parse_yaml(text, "fuzz.yaml")
    except ChainFileError as error:
        assert all(
            p.origin.file == "fuzz.yaml" and p.origin.line and p.zh and p.en for p in error.problems
        )


def test_the_user_guide_lists_the_columns_as_the_code_defines_them():
    from pathlib import Path

    from xinzhi.chains.workbook import fields_markdown

    guide = Path(__file__).resolve().parents[2] / "docs" / "chains.md"
    assert fields_markdown() in guide.read_text(encoding="utf-8")
