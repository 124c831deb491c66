"""assessment inputs: HNTE field, tax collection, cost-expense total, conversions, Class II
use; incidents, standards, awards, financing rounds, innovation reviews

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _provenance() -> list[sa.Column]:
    return [
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
    ]


def _keys(table: str) -> list[sa.schema.Constraint]:
    """Primary key, the enterprise and the import batch, as every list table has them."""
    return [
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f(f"fk_{table}_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f(f"fk_{table}_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _indexes(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f(f"ix_{table}_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f(f"ix_{table}_import_batch_id"), ["import_batch_id"], unique=False
        )


def upgrade() -> None:
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hnte_field", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("tax_collection", sa.String(length=10), nullable=True))

    with op.batch_alter_table("enterprise_years", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_expense_total", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("conversions", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_enterprise_years_conversions_not_negative"), "conversions >= 0"
        )

    with op.batch_alter_table("ip_rights", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hnte_used_on", sa.Date(), nullable=True))

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        *_provenance(),
        *_keys("incidents"),
        sa.UniqueConstraint(
            "enterprise_id", "occurred_on", "kind", name=op.f("uq_incidents_enterprise_id")
        ),
    )
    _indexes("incidents")

    op.create_table(
        "standards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        *_provenance(),
        *_keys("standards"),
        sa.UniqueConstraint("enterprise_id", "number", name=op.f("uq_standards_enterprise_id")),
    )
    _indexes("standards")

    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *_provenance(),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_awards_rank_positive")),
        *_keys("awards"),
        sa.UniqueConstraint("enterprise_id", "name", "year", name=op.f("uq_awards_enterprise_id")),
    )
    _indexes("awards")

    op.create_table(
        "financing_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("round", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("investor", sa.String(length=500), nullable=True),
        sa.Column("post_money_valuation", sa.BigInteger(), nullable=True),
        *_provenance(),
        sa.CheckConstraint(
            "amount <= post_money_valuation",
            name=op.f("ck_financing_rounds_amount_within_valuation"),
        ),
        *_keys("financing_rounds"),
        sa.UniqueConstraint(
            "enterprise_id", "closed_on", "round", name=op.f("uq_financing_rounds_enterprise_id")
        ),
    )
    _indexes("financing_rounds")

    op.create_table(
        "innovation_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("review_source", sa.String(length=10), nullable=False),
        sa.Column("advancement", sa.Integer(), nullable=True),
        sa.Column("core_support", sa.Integer(), nullable=True),
        sa.Column("rd_management", sa.Integer(), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        *_provenance(),
        sa.CheckConstraint(
            "advancement BETWEEN 0 AND 8", name=op.f("ck_innovation_reviews_advancement_range")
        ),
        sa.CheckConstraint(
            "core_support BETWEEN 0 AND 8", name=op.f("ck_innovation_reviews_core_support_range")
        ),
        sa.CheckConstraint(
            "rd_management BETWEEN 0 AND 20", name=op.f("ck_innovation_reviews_rd_management_range")
        ),
        *_keys("innovation_reviews"),
        sa.UniqueConstraint(
            "enterprise_id",
            "year",
            "review_source",
            name=op.f("uq_innovation_reviews_enterprise_id"),
        ),
    )
    _indexes("innovation_reviews")


def downgrade() -> None:
    for table in ("innovation_reviews", "financing_rounds", "awards", "standards", "incidents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_import_batch_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_enterprise_id"))
        op.drop_table(table)

    with op.batch_alter_table("ip_rights", schema=None) as batch_op:
        batch_op.drop_column("hnte_used_on")

    with op.batch_alter_table("enterprise_years", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_enterprise_years_conversions_not_negative"), type_="check"
        )
        batch_op.drop_column("conversions")
        batch_op.drop_column("cost_expense_total")

    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_column("tax_collection")
        batch_op.drop_column("hnte_field")
