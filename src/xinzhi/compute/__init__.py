"""Public AI compute (算力): centres and dated pools, tenants, usage imports, occupancy figures,
the 算力券 voucher ledger and capacity what-ifs.

``registry`` registers centres, pools and tenants; ``imports`` loads usage, reservations and
unmet requests all or nothing; ``figures`` computes occupancy and the rest in DuckDB;
``ledger`` issues, redeems, expires, reverses and reconciles vouchers; ``whatif`` projects
capacity changes; ``access`` decides which centres and tenants a user sees.
"""
