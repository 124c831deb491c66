"""Pages and API of the chains area: chain maps, the 问题清单 and 技术清单, the innovation chain.

City staff (admin, analyst) may open them: the analysis is the city's, and its reasons name
the strongest local firm at a node wherever it is registered, so district analysts (who see
only their district's firms) are not admitted. Enterprise lists still go through the
query-layer scope. Analyses are computed once per data version and chain
(``metrics.cache.data_version``): every import, edit and run moves the version on.
"""

from __future__ import annotations

import io
import threading
from dataclasses import asdict
from typing import Annotated

import numpy as np
import sqlalchemy as sa
from fastapi import APIRouter, Body, Request
from fastapi.responses import Response, StreamingResponse

from ...chains.analysis import ChainAnalysis, analyse_chain
from ...chains.catalogue import SHIPPED, load_shipped, resolve_chain
from ...chains.fields import CHAIN_KEY
from ...chains.innovation import innovation_chain
from ...chains.layout import layered_layout
from ...chains.linking import BASIS_ZH
from ...chains.problems import ChainFileError, ChainNotFound
from ...chains.repository import edit_node, list_chains
from ...chains.spec import ChainSpec
from ...chains.vocab import Capability, Segment
from ...chains.yamlio import snapshot
from ...metrics.cache import data_version
from ...store import models
from ..auth import CityStaff, EngineDep, NotFound, Principal
from ..scoping import scope_enterprises
from ..templating import render, request_lang

router = APIRouter()

COLOURS = {"problem": "#c92a2a", "watch": "#e67700", "ok": "#2b8a3e", "unknown": "#868e96"}
WATCH_SCORE = 0.45


# --- cached analyses -----------------------------------------------------------------------


_COMPUTING = threading.Lock()
CACHE_ENTRIES = 64


def _cached(request: Request, name: str, key: str, compute):
    """``compute(key)``, once per data version: a page after an edit shows the edit, so a
    stale analysis is never served (unlike the dashboard's cache, which refreshes behind)."""
    state = request.app.state
    version = data_version(state.engine)
    cache = getattr(state, "chain_cache", None)
    if cache is None:
        cache = state.chain_cache = {}
    entry = cache.get((name, key))
    if entry is not None and entry[0] == version:
        return entry[1]
    with _COMPUTING:
        entry = cache.get((name, key))
        if entry is None or entry[0] != version:
            entry = cache[(name, key)] = (version, compute(key))
            while len(cache) > CACHE_ENTRIES:
                cache.pop(next(iter(cache)))
        return entry[1]


def _chain(engine, key: str) -> ChainSpec:
    if not CHAIN_KEY.fullmatch(key):
        raise NotFound()
    try:
        return resolve_chain(engine, key)
    except ChainNotFound:
        raise NotFound("没有该产业链", "no such chain") from None


def _analysis(request: Request, key: str) -> tuple[ChainSpec, ChainAnalysis]:
    engine = request.app.state.engine

    def compute(chain_key: str):
        chain = _chain(engine, chain_key)
        return chain, analyse_chain(engine, chain)

    return _cached(request, "analysis", key, compute)


def _innovation(request: Request, key: str):
    engine = request.app.state.engine

    def compute(chain_key: str):
        chain, analysis = _analysis(request, chain_key)
        return innovation_chain(engine, chain, analysis.arrays.links)

    return _cached(request, "innovation", key, compute)


def _status(analysis: ChainAnalysis, i: int) -> str:
    score = analysis.nodes.score[i]
    if analysis.nodes.in_problem_list[i]:
        return "problem"
    if np.isnan(score):
        return "unknown"
    return "watch" if score >= WATCH_SCORE else "ok"


# --- JSON shapes ---------------------------------------------------------------------------


def _summaries(engine) -> list[dict]:
    stored = {row["key"]: row for row in list_chains(engine)}
    out = []
    for key, row in stored.items():
        out.append(
            {
                "key": key,
                "name": row["name"],
                "nodes": row["node_count"],
                "edges": row["edge_count"],
                "version": row["version"],
                "as_of": row["as_of"],
                "where": "database",
            }
        )
    for key in SHIPPED:
        if key not in stored:
            chain = load_shipped(key)
            out.append(
                {
                    "key": key,
                    "name": chain.name,
                    "nodes": len(chain.nodes),
                    "edges": len(chain.edges),
                    "version": None,
                    "as_of": chain.as_of,
                    "where": "shipped",
                }
            )
    return out


def graph_option(chain: ChainSpec, analysis: ChainAnalysis, lang: str = "zh") -> dict:
    """The ECharts option of the chain map: the layered layout, chokepoints coloured."""
    column, row, _ = layered_layout(chain)
    categories = [
        ("problem", "问题清单（卡脖子）", "chokepoint"),
        ("watch", "关注", "watch"),
        ("ok", "一般", "other"),
        ("unknown", "未分析", "not analysed"),
    ]
    index = {name: i for i, (name, _, _) in enumerate(categories)}
    nodes = []
    for i, node in enumerate(chain.nodes):
        status = _status(analysis, i)
        score = analysis.nodes.score[i]
        summary = [node.segment.zh, node.effective_class.zh]
        if not np.isnan(score):
            summary.append(f"卡脖子指数 {score:.2f}")
        if node.import_dependence is not None:
            summary.append(f"进口依赖 {float(node.import_dependence):.0%}")
        nodes.append(
            {
                "id": node.key,
                "name": node.name,
                "x": int(column[i]) * 240,
                "y": int(row[i]) * 60,
                "category": index[status],
                "value": " · ".join(summary),
                "itemStyle": {
                    "borderColor": COLOURS[status],
                    "borderWidth": 3 if status == "problem" else 1,
                },
            }
        )
    links = [{"source": e.source, "target": e.target} for e in chain.edges]
    return {
        "tooltip": {"formatter": "{b}<br/>{c}"},
        "legend": [{"data": [zh if lang == "zh" else en for _, zh, en in categories], "top": 0}],
        "animation": False,
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "roam": True,
                "top": 50,
                "bottom": 24,
                "left": 80,
                "right": 80,
                "symbol": "roundRect",
                "symbolSize": [132, 34],
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 7,
                "categories": [
                    {
                        "name": zh if lang == "zh" else en,
                        "itemStyle": {"color": "#ffffff", "borderColor": COLOURS[name]},
                    }
                    for name, zh, en in categories
                ],
                "label": {
                    "show": True,
                    "color": "#212529",
                    "fontSize": 11,
                    "width": 124,
                    "overflow": "truncate",
                },
                "lineStyle": {"color": "#adb5bd", "curveness": 0.15, "opacity": 0.8},
                "emphasis": {"focus": "adjacency"},
                "data": nodes,
                "links": links,
            }
        ],
    }


def _visible_ids(engine, principal: Principal, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    stmt = scope_enterprises(
        sa.select(models.Enterprise.id).where(models.Enterprise.id.in_(ids)), principal
    )
    with engine.connect() as conn:
        return set(conn.scalars(stmt))


def node_detail(
    engine, principal: Principal, chain: ChainSpec, analysis: ChainAnalysis, node_key: str
) -> dict:
    try:
        i = analysis.arrays.node_keys.index(node_key)
    except ValueError:
        raise NotFound("没有该节点", "no such node") from None
    node = chain.nodes[i]
    links = analysis.arrays.links
    at = links.at(i)
    visible = _visible_ids(
        engine,
        principal,
        [links.enterprise_ids[k] for k in at if links.enterprise_ids[k] is not None],
    )
    enterprises = []
    for k in sorted(at, key=lambda k: (-np.nan_to_num(links.capability[k], nan=0), links.names[k])):
        enterprise_id = links.enterprise_ids[k]
        if enterprise_id is not None and enterprise_id not in visible:
            continue
        level = links.capability[k]
        enterprises.append(
            {
                "name": links.names[k],
                "enterprise_id": enterprise_id,
                "capability": None if np.isnan(level) else int(level),
                "capability_name": None if np.isnan(level) else Capability.of(int(level)).zh,
                "basis": links.basis[k],
                "basis_zh": BASIS_ZH[links.basis[k]],
            }
        )
    row = analysis.node_rows()[i]
    inputs = [e.source for e in chain.edges if e.target == node_key]
    users = [e.target for e in chain.edges if e.source == node_key]
    name_of = {n.key: n.name for n in chain.nodes}
    problem = next((p for p in analysis.problems if p.node_key == node_key), None)
    return {
        "chain": chain.key,
        "key": node.key,
        "name": node.name,
        "name_en": node.name_en,
        "segment": node.segment.zh,
        "kind": node.kind.zh,
        "problem_class": node.effective_class.zh,
        "domestic_status": node.domestic_status.zh if node.domestic_status else None,
        "import_dependence": float(node.import_dependence)
        if node.import_dependence is not None
        else None,
        "foreign_suppliers": node.foreign_suppliers,
        "domestic_suppliers": node.domestic_suppliers,
        "illustrative": node.illustrative,
        "source": node.source,
        "note": node.note,
        "technologies": [
            {
                "name": t.name,
                "name_en": t.name_en,
                "control": float(t.control) if t.control is not None else None,
                "maturity": t.maturity,
            }
            for t in node.technologies
        ],
        "inputs": [{"key": k, "name": name_of[k]} for k in inputs],
        "input_to": [{"key": k, "name": name_of[k]} for k in users],
        "scores": row,
        "enterprises": enterprises,
        "enterprises_total": len(at),
        "enterprises_shown": len(enterprises),
        "problem": asdict(problem) if problem else None,
    }


# --- pages ---------------------------------------------------------------------------------


@router.get("/chains", include_in_schema=False)
def chains_page(request: Request, principal: CityStaff, engine: EngineDep):
    return render(request, "chains/index.html", {"chains": _summaries(engine)})


@router.get("/chains/{chain_key}", include_in_schema=False)
def chain_map_page(request: Request, principal: CityStaff, chain_key: str):
    chain, analysis = _analysis(request, chain_key)
    lang = request_lang(request)
    return render(
        request,
        "chains/map.html",
        {
            "chain": chain,
            "analysis": analysis,
            "option": graph_option(chain, analysis, lang),
            "rows": analysis.node_rows(),
            "statuses": [_status(analysis, i) for i in range(len(chain.nodes))],
        },
    )


@router.get("/chains/{chain_key}/nodes/{node_key}", include_in_schema=False)
def node_fragment(
    request: Request, principal: CityStaff, engine: EngineDep, chain_key: str, node_key: str
):
    chain, analysis = _analysis(request, chain_key)
    detail = node_detail(engine, principal, chain, analysis, node_key)
    return render(request, "chains/node.html", {"node": detail})


@router.get("/chains/{chain_key}/lists", include_in_schema=False)
def lists_page(request: Request, principal: CityStaff, chain_key: str):
    chain, analysis = _analysis(request, chain_key)
    return render(request, "chains/lists.html", {"chain": chain, "analysis": analysis})


@router.get("/chains/{chain_key}/innovation", include_in_schema=False)
def innovation_page(request: Request, principal: CityStaff, chain_key: str):
    chain, analysis = _analysis(request, chain_key)
    return render(
        request,
        "chains/innovation.html",
        {
            "chain": chain,
            "analysis": analysis,
            "innovation": _innovation(request, chain_key),
            "segments": list(Segment),
        },
    )


@router.get("/chains/{chain_key}/map.svg", include_in_schema=False)
def map_svg(request: Request, principal: CityStaff, chain_key: str):
    from ...chains.svg import render_svg

    chain, analysis = _analysis(request, chain_key)
    return Response(
        render_svg(chain, analysis),
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="{chain.key}.svg"'},
    )


@router.get("/chains/{chain_key}/analysis.xlsx", include_in_schema=False)
def analysis_xlsx(request: Request, principal: CityStaff, chain_key: str):
    from ...chains.report import write_analysis

    chain, analysis = _analysis(request, chain_key)
    buffer = io.BytesIO()
    write_analysis(analysis, buffer, chain_name=chain.name)
    buffer.seek(0)
    return StreamingResponse(
        buffer,
        headers={"Content-Disposition": f'attachment; filename="{chain.key}-analysis.xlsx"'},
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- API -----------------------------------------------------------------------------------


@router.get("/api/chains")
def api_chains(principal: CityStaff, engine: EngineDep) -> dict:
    """The chains: in the database (current version) and shipped (not yet imported)."""
    return {"chains": _summaries(engine)}


@router.get("/api/chains/{chain_key}")
def api_chain(principal: CityStaff, engine: EngineDep, chain_key: str) -> dict:
    """The chain map as data: nodes with their technologies and enterprises, and the edges."""
    return snapshot(_chain(engine, chain_key))


@router.get("/api/chains/{chain_key}/analysis")
def api_analysis(request: Request, principal: CityStaff, chain_key: str) -> dict:
    """Every node's scores, the 问题清单 and the 技术清单, with the rules used."""
    _, analysis = _analysis(request, chain_key)
    return analysis.as_dict()


@router.get("/api/chains/{chain_key}/problems")
def api_problems(request: Request, principal: CityStaff, chain_key: str) -> dict:
    _, analysis = _analysis(request, chain_key)
    return {"chain": chain_key, "problems": [asdict(p) for p in analysis.problems]}


@router.get("/api/chains/{chain_key}/technologies")
def api_technologies(request: Request, principal: CityStaff, chain_key: str) -> dict:
    _, analysis = _analysis(request, chain_key)
    return {"chain": chain_key, "technologies": [asdict(t) for t in analysis.technologies]}


@router.get("/api/chains/{chain_key}/nodes/{node_key}")
def api_node(
    request: Request, principal: CityStaff, engine: EngineDep, chain_key: str, node_key: str
) -> dict:
    """One node: its data, scores, inputs and users, and its local enterprises (scoped)."""
    chain, analysis = _analysis(request, chain_key)
    return node_detail(engine, principal, chain, analysis, node_key)


@router.get("/api/chains/{chain_key}/innovation")
def api_innovation(request: Request, principal: CityStaff, chain_key: str) -> dict:
    """Per node: patents, platforms, research results, experts and demands linked to it."""
    _chain(request.app.state.engine, chain_key)
    return {
        "chain": chain_key,
        "nodes": [asdict(v) for v in _innovation(request, chain_key).values()],
    }


@router.patch("/api/chains/{chain_key}/nodes/{node_key}")
def api_edit_node(
    principal: CityStaff,
    engine: EngineDep,
    chain_key: str,
    node_key: str,
    changes: Annotated[dict[str, str | float | int | bool | list[str] | None], Body()],
) -> dict:
    """Change fields of a node (values as in a chain file); saved as a new version."""
    try:
        result = edit_node(engine, chain_key, node_key, changes, actor=principal.audit_name)
    except ChainNotFound:
        raise NotFound(
            "数据库中没有该产业链（内置图谱请先导入）",
            "no such chain in the database (import the shipped map first)",
        ) from None
    except ChainFileError as error:
        from fastapi.responses import JSONResponse

        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    {"field": p.field, "value": p.value, "zh": p.zh, "en": p.en, "code": p.code}
                    for p in error.problems
                ]
            },
        )
    return {
        "chain": chain_key,
        "node": node_key,
        "version": result.version,
        "changed": result.changed,
    }
