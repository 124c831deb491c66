"""compute: centres, pools and dated capacity, tenants, usage, reservations, unmet requests,
invoices, the 算力券 voucher ledger and centre operators

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


OLD_ROLES = "'admin', 'analyst', 'district_analyst', 'enterprise', 'researcher'"
NEW_ROLES = OLD_ROLES + ", 'centre_operator'"


def _role_check(roles: str) -> None:
    """users.role may be 'centre_operator'. SQLite rebuilds the table to change a CHECK, and
    dropping the old one would cascade to the sessions: they are kept aside and put back."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE _kept_sessions AS SELECT * FROM web_sessions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_known_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_known_role"), f"role IN ({roles})")
    if sqlite:
        op.execute("DELETE FROM web_sessions")
        op.execute("INSERT INTO web_sessions SELECT * FROM _kept_sessions")
        op.execute("DROP TABLE _kept_sessions")


def upgrade() -> None:
    _role_check(NEW_ROLES)
    op.create_table(
        "compute_vouchers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=60), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'expired')", name=op.f("ck_compute_vouchers_known_status")
        ),
        sa.CheckConstraint(
            "balance <= amount", name=op.f("ck_compute_vouchers_balance_within_amount")
        ),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_compute_vouchers_balance_not_negative")),
        sa.CheckConstraint(
            "share_percent BETWEEN 1 AND 100", name=op.f("ck_compute_vouchers_share_range")
        ),
        sa.CheckConstraint(
            "valid_to >= valid_from", name=op.f("ck_compute_vouchers_validity_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_compute_vouchers_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["evaluation_runs.id"],
            name=op.f("fk_compute_vouchers_run_id_evaluation_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_vouchers")),
        sa.UniqueConstraint("code", name=op.f("uq_compute_vouchers_code")),
        sa.UniqueConstraint(
            "run_id", "enterprise_id", "policy", name=op.f("uq_compute_vouchers_run_id")
        ),
    )
    with op.batch_alter_table("compute_vouchers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_vouchers_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_compute_vouchers_run_id"), ["run_id"], unique=False)

    op.create_table(
        "compute_centres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=50), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("operator", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_compute_centres_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_compute_centres_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_compute_centres_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_centres")),
        sa.UniqueConstraint("code", name=op.f("uq_compute_centres_code")),
    )
    with op.batch_alter_table("compute_centres", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_centres_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_compute_centres_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "compute_operators",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["compute_centres.id"],
            name=op.f("fk_compute_operators_centre_id_compute_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_compute_operators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_compute_operators")),
    )
    op.create_table(
        "compute_pools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("accelerator", sa.String(length=100), nullable=False),
        sa.Column("domestic", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("unit IN ('card', 'core')", name=op.f("ck_compute_pools_known_unit")),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["compute_centres.id"],
            name=op.f("fk_compute_pools_centre_id_compute_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_compute_pools_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_pools")),
        sa.UniqueConstraint("centre_id", "code", name=op.f("uq_compute_pools_centre_id")),
    )
    with op.batch_alter_table("compute_pools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compute_pools_centre_id"), ["centre_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_compute_pools_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "compute_tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("city", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('enterprise', 'university', 'institute', 'other')",
            name=op.f("ck_compute_tenants_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["compute_centres.id"],
            name=op.f("fk_compute_tenants_centre_id_compute_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_compute_tenants_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_compute_tenants_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_tenants")),
        sa.UniqueConstraint("centre_id", "account", name=op.f("uq_compute_tenants_centre_id")),
    )
    with op.batch_alter_table("compute_tenants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_tenants_centre_id"), ["centre_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_compute_tenants_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_compute_tenants_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "compute_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("fee >= 0", name=op.f("ck_compute_invoices_fee_not_negative")),
        sa.CheckConstraint(
            "period_to >= period_from", name=op.f("ck_compute_invoices_period_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["compute_centres.id"],
            name=op.f("fk_compute_invoices_centre_id_compute_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["compute_tenants.id"],
            name=op.f("fk_compute_invoices_tenant_id_compute_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_invoices")),
        sa.UniqueConstraint("centre_id", "number", name=op.f("uq_compute_invoices_centre_id")),
    )
    with op.batch_alter_table("compute_invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_invoices_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "compute_pool_capacities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("fp16_tflops_per_card", sa.BigInteger(), nullable=False),
        sa.Column("fp32_tflops_per_card", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "cards >= 0", name=op.f("ck_compute_pool_capacities_cards_not_negative")
        ),
        sa.CheckConstraint(
            "fp16_tflops_per_card >= 0", name=op.f("ck_compute_pool_capacities_fp16_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["compute_pools.id"],
            name=op.f("fk_compute_pool_capacities_pool_id_compute_pools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_pool_capacities")),
        sa.UniqueConstraint(
            "pool_id", "effective_from", name=op.f("uq_compute_pool_capacities_pool_id")
        ),
    )
    op.create_table(
        "compute_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("wanted_from", sa.DateTime(), nullable=False),
        sa.Column("wanted_to", sa.DateTime(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.CheckConstraint("cards > 0", name=op.f("ck_compute_requests_cards_positive")),
        sa.CheckConstraint(
            "wanted_to > wanted_from", name=op.f("ck_compute_requests_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["compute_pools.id"],
            name=op.f("fk_compute_requests_pool_id_compute_pools"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["compute_tenants.id"],
            name=op.f("fk_compute_requests_tenant_id_compute_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_requests")),
    )
    with op.batch_alter_table("compute_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compute_requests_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "compute_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.CheckConstraint("cards > 0", name=op.f("ck_compute_reservations_cards_positive")),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_compute_reservations_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["compute_pools.id"],
            name=op.f("fk_compute_reservations_pool_id_compute_pools"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["compute_tenants.id"],
            name=op.f("fk_compute_reservations_tenant_id_compute_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_reservations")),
    )
    with op.batch_alter_table("compute_reservations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_reservations_pool_id"), ["pool_id"], unique=False
        )

    op.create_table(
        "compute_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('issue', 'redeem', 'expire', 'reverse')",
            name=op.f("ck_compute_ledger_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["compute_invoices.id"],
            name=op.f("fk_compute_ledger_invoice_id_compute_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["compute_ledger.id"],
            name=op.f("fk_compute_ledger_reverses_id_compute_ledger"),
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["compute_vouchers.id"],
            name=op.f("fk_compute_ledger_voucher_id_compute_vouchers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_ledger")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_compute_ledger_reverses_id")),
    )
    with op.batch_alter_table("compute_ledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_ledger_voucher_id"), ["voucher_id"], unique=False
        )
        batch_op.create_index(
            "uq_compute_ledger_invoice_redeemed",
            ["invoice_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'redeem' AND active"),
            postgresql_where=sa.text("kind = 'redeem' AND active"),
        )

    op.create_table(
        "compute_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=60), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("card_hours", sa.BigInteger(), nullable=False),
        sa.Column("job_type", sa.String(length=20), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "card_hours >= 0", name=op.f("ck_compute_usage_card_hours_not_negative")
        ),
        sa.CheckConstraint("cards > 0", name=op.f("ck_compute_usage_cards_positive")),
        sa.CheckConstraint("ended_at > started_at", name=op.f("ck_compute_usage_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["compute_centres.id"],
            name=op.f("fk_compute_usage_centre_id_compute_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_compute_usage_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["compute_invoices.id"],
            name=op.f("fk_compute_usage_invoice_id_compute_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["compute_pools.id"], name=op.f("fk_compute_usage_pool_id_compute_pools")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["compute_tenants.id"],
            name=op.f("fk_compute_usage_tenant_id_compute_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_usage")),
        sa.UniqueConstraint("centre_id", "job_id", name=op.f("uq_compute_usage_centre_id")),
    )
    with op.batch_alter_table("compute_usage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_usage_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            "ix_compute_usage_pool_started", ["pool_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_compute_usage_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM users WHERE role = 'centre_operator'")
    with op.batch_alter_table("compute_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_usage_tenant_id"))
        batch_op.drop_index("ix_compute_usage_pool_started")
        batch_op.drop_index(batch_op.f("ix_compute_usage_invoice_id"))

    op.drop_table("compute_usage")
    with op.batch_alter_table("compute_ledger", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_compute_ledger_invoice_redeemed",
            sqlite_where=sa.text("kind = 'redeem' AND active"),
            postgresql_where=sa.text("kind = 'redeem' AND active"),
        )
        batch_op.drop_index(batch_op.f("ix_compute_ledger_voucher_id"))

    op.drop_table("compute_ledger")
    with op.batch_alter_table("compute_reservations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_reservations_pool_id"))

    op.drop_table("compute_reservations")
    with op.batch_alter_table("compute_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_requests_pool_id"))

    op.drop_table("compute_requests")
    op.drop_table("compute_pool_capacities")
    with op.batch_alter_table("compute_invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_invoices_tenant_id"))

    op.drop_table("compute_invoices")
    with op.batch_alter_table("compute_tenants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_tenants_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_compute_tenants_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_compute_tenants_centre_id"))

    op.drop_table("compute_tenants")
    with op.batch_alter_table("compute_pools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_pools_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_compute_pools_centre_id"))

    op.drop_table("compute_pools")
    op.drop_table("compute_operators")
    with op.batch_alter_table("compute_centres", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_centres_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_compute_centres_district_id"))

    op.drop_table("compute_centres")
    with op.batch_alter_table("compute_vouchers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_vouchers_run_id"))
        batch_op.drop_index(batch_op.f("ix_compute_vouchers_enterprise_id"))

    op.drop_table("compute_vouchers")
    _role_check(OLD_ROLES)
