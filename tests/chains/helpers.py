"""Small chains written in a line each, for tests whose numbers are checked by hand."""

from __future__ import annotations

import textwrap

from xinzhi.chains.rules import parse_rules

# Equal weights and plain thresholds: a node's score is the mean of its known dimensions.
EQUAL_RULES = """
label: test rules
weights: {technology_control: 1, import_dependence: 1, criticality: 1, local_gap: 1, domestic_gap: 1}
domestic_capability: {自主可控: 1.0, 基本自主: 0.75, 部分自主: 0.5, 依赖进口: 0.2, 国内空白: 0.0}
capability: {capable_min: 2, inferred: {hnte: 2, other: 1}}
problem_list: {classes: [整机, 零部件, 元器件, 材料, 软件], min_score: 0.5, min_dimension: 0.5}
technology_list: {weights: {node: 1, control: 1, immaturity: 0}, min_score: 0.5, min_control: 0.5}
modes:
  - mode: 基础研究
    when: {maturity: "<= 4"}
    reason_zh: "成熟度{maturity}"
    reason_en: "maturity {maturity}"
  - mode: 自主研发
    when: {leader_level: ">= 4"}
    reason_zh: "龙头{leader}（{leader_level_name}）"
    reason_en: "leader {leader} ({leader_level_name})"
  - mode: 联合攻关
    when: {capable_local_firms: ">= 2"}
    reason_zh: "{capable_local_firms}家有能力"
    reason_en: "{capable_local_firms} capable"
  - mode: 带土移植
    when: {capable_local_firms: "== 0", domestic_suppliers: ">= 1"}
    reason_zh: "引进{domestic_supplier_names}"
    reason_en: "bring in {domestic_supplier_names}"
  - mode: 揭榜挂帅
    reason_zh: "张榜（本地{local_firms}家）"
    reason_en: "open challenge ({local_firms} local)"
"""


def equal_rules():
    return parse_rules(EQUAL_RULES, "test.yaml")


def chain_yaml(body: str, key: str = "mini") -> str:
    """A chain file around ``body`` (the node list, indented as under ``nodes:``)."""
    return (
        f"key: {key}\nname: 测试链\nas_of: 2023-08-31\nnodes:\n"
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")
        + "\n"
    )


# a → c ← b, c → d, and a separate part e → f.
SMALL = chain_yaml("""
- key: a
  name: 特种钢
  segment: 上游
  kind: material
  input_to: [c]
- key: b
  name: 精密轴承
  segment: 上游
  kind: component
  domestic_status: 部分自主
  import_dependence: 80%
  domestic_suppliers: [国内甲]
  input_to: [c]
  technologies:
    - {name: 轴承钢冶炼, control: 受制于人, maturity: 6}
- key: c
  name: 减速器
  segment: 中游
  kind: component
  domestic_status: 自主可控
  import_dependence: 0.6
  input_to: [d]
  technologies:
    - {name: 精密磨削, control: 部分受制, maturity: 7}
  enterprises:
    - {enterprise_name: 本地龙头公司, capability: 领先}
- key: d
  name: 机器人
  segment: 下游
  kind: product
- key: e
  name: 传感芯片
  segment: 上游
  kind: component
  problem_class: 元器件
  import_dependence: 90%
  input_to: [f]
  technologies:
    - {name: 敏感材料, control: 受制于人, maturity: 3}
- key: f
  name: 检测仪
  segment: 下游
  kind: product
""")
