"""Synthetic Chinese names: enterprises, outside parties, IP titles.

Names are random combinations of a two-character brand (字号), an industry word and an
organisational form, e.g. 沈阳恒拓机器人科技有限公司; any resemblance to a real firm is
chance. Uniqueness is enforced by drawing a new brand for every repeated name.
"""

from __future__ import annotations

import numpy as np

# Characters common in Chinese firm brands (字号); no character twice.
BRAND_CHARS = tuple(
    dict.fromkeys(
        "新华远航盛创智联恒泰达信鼎德宏瑞通汇宇嘉睿博思源卓越精锐腾飞翔诚益中天海星辰光明润禾丰安康和"
        "北方东启元云峰凯捷众合英杰晟昊晨昱铭诺锦同立兴隆祥福荣跃骏驰鸿鹏维拓衡凌坤乾泓沃澜朗麒麟亿"
        "万千聚融汉唐宸宁志弘毅正道尚品臻佳盈鑫金银铁钢蓝青紫翠松柏桦枫川岳山河江湖晶磊石坚固"
    )
)
ORG_FORMS = {"有限公司": 0.80, "有限责任公司": 0.08, "股份有限公司": 0.12}
LISTED_FORM = "股份有限公司"
MAX_ROUNDS = 50


def _brands(rng: np.random.Generator, size: int) -> list[str]:
    chars = np.array(BRAND_CHARS)
    first = rng.integers(0, len(chars), size)
    second = (first + rng.integers(1, len(chars), size)) % len(chars)  # never the same twice
    return [a + b for a, b in zip(chars[first].tolist(), chars[second].tolist())]


def _unique(
    rng: np.random.Generator, compose, size: int, taken: set[str] | None = None
) -> list[str]:
    """``compose(rng, indices) -> names`` until every name is new; deterministic for the rng."""
    taken = set() if taken is None else taken
    names: list[str | None] = [None] * size
    pending = np.arange(size)
    for _ in range(MAX_ROUNDS):
        if not len(pending):
            return names  # type: ignore[return-value]
        retry = []
        for i, name in zip(pending.tolist(), compose(rng, pending)):
            if name in taken:
                retry.append(i)
            else:
                taken.add(name)
                names[i] = name
        pending = np.array(retry, dtype=np.int64)
    raise RuntimeError(f"could not find {len(pending)} unique names")


def enterprise_names(
    rng: np.random.Generator, words_by_firm: list[tuple[str, ...]], listed: np.ndarray
) -> list[str]:
    """One unique name per firm from its industry's words; listed firms are 股份有限公司."""
    forms = np.array(list(ORG_FORMS))
    form_p = np.array(list(ORG_FORMS.values()))

    def compose(rng: np.random.Generator, idx: np.ndarray) -> list[str]:
        brands = _brands(rng, len(idx))
        style = rng.choice(4, size=len(idx), p=[0.65, 0.12, 0.13, 0.10])
        form = forms[rng.choice(len(forms), size=len(idx), p=form_p)]
        form[listed[idx]] = LISTED_FORM
        pick = rng.random(len(idx))
        out = []
        for i, brand, s, f, u in zip(
            idx.tolist(), brands, style.tolist(), form.tolist(), pick.tolist()
        ):
            words = words_by_firm[i]
            word = words[int(u * len(words))]
            if s == 0:
                out.append(f"沈阳{brand}{word}{f}")
            elif s == 1:
                out.append(f"辽宁{brand}{word}{f}")
            elif s == 2:
                out.append(f"{brand}（沈阳）{word}{f}")
            else:
                out.append(f"沈阳市{brand}{word}{f}")
        return out

    return _unique(rng, compose, len(words_by_firm))


def outside_party_names(
    rng: np.random.Generator, places: list[str], words: tuple[str, ...], taken: set[str]
) -> list[str]:
    """Unique names of firms in other cities (``places[i]`` is the i-th party's city)."""
    word_array = np.array(words)

    def compose(rng: np.random.Generator, idx: np.ndarray) -> list[str]:
        brands = _brands(rng, len(idx))
        chosen = word_array[rng.integers(0, len(word_array), len(idx))].tolist()
        return [f"{places[i]}{b}{w}有限公司" for i, b, w in zip(idx.tolist(), brands, chosen)]

    return _unique(rng, compose, len(places), taken)


# --- IP titles ----------------------------------------------------------------------------------

_OBJECTS = (
    "机器人关节",
    "协作机器人",
    "伺服电机",
    "压缩机叶轮",
    "离心压缩机",
    "变压器绕组",
    "高压开关柜",
    "特种电缆",
    "数控机床主轴",
    "五轴加工中心",
    "航空发动机叶片",
    "飞机舱门",
    "无人机",
    "医学影像",
    "超声探头",
    "心电监护",
    "晶圆清洗",
    "涂胶显影",
    "芯片封装",
    "激光器",
    "锂电池极片",
    "光伏组件",
    "高温合金",
    "钛合金构件",
    "复合材料",
    "涂层",
    "污水处理",
    "烟气脱硝",
    "图像识别",
    "数据加密",
    "工业互联网",
    "边缘计算节点",
    "智能巡检",
    "故障诊断",
    "轴承",
    "齿轮箱",
    "液压系统",
    "传感器",
    "控制器",
    "检测平台",
)
_INVENTION = (
    "的制备方法",
    "的控制方法",
    "的检测方法",
    "及其制造方法",
    "的优化方法及系统",
    "装置及方法",
)
_UTILITY = ("装置", "结构", "固定装置", "冷却装置", "检测装置", "连接组件", "保护罩")
_DESIGN = ("控制柜", "操作面板", "外壳", "机械臂", "显示终端", "检测仪")
_SOFTWARE = ("管理系统", "监测平台", "分析软件", "控制软件", "调度系统", "数据平台")


def ip_titles(rng: np.random.Generator, kinds: np.ndarray) -> list[str]:
    """A title per item; ``kinds`` holds 1 invention, 2 utility model, 3 design, 4 software."""
    n = len(kinds)
    obj = np.array(_OBJECTS)[rng.integers(0, len(_OBJECTS), n)].tolist()
    pick = rng.random(n).tolist()
    version = rng.integers(1, 6, n).tolist()
    out = []
    for kind, o, u, v in zip(kinds.tolist(), obj, pick, version):
        if kind == 1:
            out.append(f"一种{o}{_INVENTION[int(u * len(_INVENTION))]}")
        elif kind == 2:
            out.append(f"一种{o}{_UTILITY[int(u * len(_UTILITY))]}")
        elif kind == 3:
            out.append(f"{_DESIGN[int(u * len(_DESIGN))]}（{o}）")
        else:
            out.append(f"{o}{_SOFTWARE[int(u * len(_SOFTWARE))]}V{v}.0")
    return out
