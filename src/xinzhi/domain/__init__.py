"""Pure types and validators: no database, no I/O.

Everything that crosses the door (imports, API, forms) is checked here, so every
error carries a bilingual reason that ingest can attach to a row and column.
"""
