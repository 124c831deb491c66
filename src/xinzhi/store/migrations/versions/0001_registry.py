"""registry: districts, parks, enterprises, years, IP, contracts, platforms, targets, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-23 08:45:25.668942
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "credit_code_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_code_verifications")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_credit_code_verifications_credit_code")),
    )
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_inserted", sa.Integer(), nullable=False),
        sa.Column("rows_updated", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("city", sa.String(length=50), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_districts_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("city", "name", name=op.f("uq_districts_city")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
    )
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_districts_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("value_max", sa.BigInteger(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_targets_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("indicator", "region", "year", name=op.f("uq_targets_indicator")),
    )
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_targets_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "parks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_parks_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_parks_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parks")),
        sa.UniqueConstraint("name", name=op.f("uq_parks_name")),
    )
    with op.batch_alter_table("parks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parks_district_id"), ["district_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_parks_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=False),
        sa.Column("industry_code", sa.String(length=5), nullable=True),
        sa.Column("sei_category", sa.String(length=2), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=True),
        sa.Column("valuation", sa.BigInteger(), nullable=True),
        sa.Column("valuation_on", sa.Date(), nullable=True),
        sa.Column("hnte_certificate_no", sa.String(length=40), nullable=True),
        sa.Column("hnte_certified_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_enterprises_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_enterprises_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_enterprises_park_id_parks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprises_credit_code")),
    )
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprises_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enterprises_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enterprises_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprises_park_id"), ["park_id"], unique=False)

    op.create_table(
        "enterprise_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=True),
        sa.Column("total_income", sa.BigInteger(), nullable=True),
        sa.Column("hitech_revenue", sa.BigInteger(), nullable=True),
        sa.Column("total_assets", sa.BigInteger(), nullable=True),
        sa.Column("net_assets", sa.BigInteger(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("tech_staff", sa.Integer(), nullable=True),
        sa.Column("rd_expense", sa.BigInteger(), nullable=True),
        sa.Column("rd_expense_domestic", sa.BigInteger(), nullable=True),
        sa.Column("exports", sa.BigInteger(), nullable=True),
        sa.Column("profit", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rd_expense_domestic <= rd_expense",
            name=op.f("ck_enterprise_years_domestic_rd_within_rd"),
        ),
        sa.CheckConstraint(
            "tech_staff <= employees", name=op.f("ck_enterprise_years_tech_staff_within_employees")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_years_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_enterprise_years_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_years")),
        sa.UniqueConstraint(
            "enterprise_id", "year", name=op.f("uq_enterprise_years_enterprise_id")
        ),
    )
    with op.batch_alter_table("enterprise_years", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_years_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_index("ix_enterprise_years_year", ["year"], unique=False)

    op.create_table(
        "ip_rights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("granted_on", sa.Date(), nullable=True),
        sa.Column("acquisition", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_ip_rights_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_ip_rights_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_rights")),
        sa.UniqueConstraint("kind", "number", name=op.f("uq_ip_rights_kind")),
    )
    with op.batch_alter_table("ip_rights", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ip_rights_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ip_rights_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("host_name", sa.String(length=200), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_platforms_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_platforms_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_platforms_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platforms")),
        sa.UniqueConstraint("name", name=op.f("uq_platforms_name")),
    )
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platforms_district_id"), ["district_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_platforms_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platforms_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "tech_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_no", sa.String(length=40), nullable=False),
        sa.Column("contract_type", sa.String(length=20), nullable=False),
        sa.Column("seller_code", sa.String(length=18), nullable=True),
        sa.Column("seller_name", sa.String(length=200), nullable=False),
        sa.Column("seller_enterprise_id", sa.Integer(), nullable=True),
        sa.Column("buyer_code", sa.String(length=18), nullable=True),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_enterprise_id", sa.Integer(), nullable=True),
        sa.Column("contract_amount", sa.BigInteger(), nullable=False),
        sa.Column("tech_amount", sa.BigInteger(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "tech_amount <= contract_amount", name=op.f("ck_tech_contracts_tech_within_contract")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_tech_contracts_buyer_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_tech_contracts_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_tech_contracts_seller_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tech_contracts")),
        sa.UniqueConstraint("registration_no", name=op.f("uq_tech_contracts_registration_no")),
    )
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_buyer_enterprise_id"),
            ["buyer_enterprise_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_registered_on"), ["registered_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_seller_enterprise_id"),
            ["seller_enterprise_id"],
            unique=False,
        )
        batch_op.create_index("ix_tech_contracts_type", ["contract_type"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_tech_contracts_type")
        batch_op.drop_index(batch_op.f("ix_tech_contracts_seller_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_registered_on"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_buyer_enterprise_id"))

    op.drop_table("tech_contracts")
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platforms_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_platforms_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_platforms_district_id"))

    op.drop_table("platforms")
    with op.batch_alter_table("ip_rights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ip_rights_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_ip_rights_enterprise_id"))

    op.drop_table("ip_rights")
    with op.batch_alter_table("enterprise_years", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_years_year")
        batch_op.drop_index(batch_op.f("ix_enterprise_years_import_batch_id"))

    op.drop_table("enterprise_years")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_park_id"))
        batch_op.drop_index(batch_op.f("ix_enterprises_name"))
        batch_op.drop_index(batch_op.f("ix_enterprises_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_enterprises_district_id"))

    op.drop_table("enterprises")
    with op.batch_alter_table("parks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parks_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_parks_district_id"))

    op.drop_table("parks")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_targets_import_batch_id"))

    op.drop_table("targets")
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_districts_import_batch_id"))

    op.drop_table("districts")
    op.drop_table("import_batches")
    op.drop_table("credit_code_verifications")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
