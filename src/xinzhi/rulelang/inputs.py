"""What a declaration reads, found by compiling it against the input catalogue (no data)."""

from __future__ import annotations

import datetime as dt

import ibis

from .compiler import compile_declaration
from .declaration import Declaration
from .registry import POPULATION_INPUTS, dtype_of_unit


def catalogue_table() -> ibis.Table:
    schema = {
        "enterprise_id": "int64",
        "credit_code": "string",
        "name": "string",
        "district_id": "int64",
    }
    schema.update({name: dtype_of_unit(i.unit) for name, i in POPULATION_INPUTS.items()})
    return ibis.table(schema, name="population")


def compile_check(declaration: Declaration, as_of: dt.date):
    """Compile without data: raises DeclarationError for unknown names and type errors."""
    return compile_declaration(declaration, catalogue_table(), as_of)


def declaration_inputs(declaration: Declaration) -> list[str]:
    compiled = compile_check(declaration, declaration.effective_from)
    names = set()
    for shown in compiled.shown.values():
        names.update(n for n in shown if n in POPULATION_INPUTS)
    for metric in declaration.metrics:
        for column in compiled.table.columns:
            if column == f"v__{metric}":
                names.discard(metric)
    return sorted(names)
