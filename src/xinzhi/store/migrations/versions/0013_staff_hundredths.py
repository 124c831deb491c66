"""staff counts with two decimals (issue #19 item 12): employees and tech_staff in hundredths

Staff counts are yearly averages of monthly averages (全年月平均数) and may be fractional.
They are kept as whole hundredths of a person (BIGINT, as money is kept in fen): exact in
SQLite, PostgreSQL and DuckDB alike, so the S&T-staff share is compared without rounding.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = ("employees", "tech_staff")


def upgrade() -> None:
    with op.batch_alter_table("enterprise_years") as batch:
        for name in COLUMNS:
            batch.alter_column(name, type_=sa.BigInteger(), existing_nullable=True)
    op.execute(
        "UPDATE enterprise_years SET employees = employees * 100, tech_staff = tech_staff * 100"
    )


def downgrade() -> None:
    fractional = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT count(*) FROM enterprise_years "
                "WHERE employees % 100 <> 0 OR tech_staff % 100 <> 0"
            )
        )
        .scalar()
    )
    if fractional:
        raise RuntimeError(
            f"{fractional} 行的人数有小数，降级会丢失 / {fractional} rows hold fractional staff "
            "counts that a downgrade would lose"
        )
    op.execute(
        "UPDATE enterprise_years SET employees = employees / 100, tech_staff = tech_staff / 100"
    )
    with op.batch_alter_table("enterprise_years") as batch:
        for name in COLUMNS:
            batch.alter_column(name, type_=sa.Integer(), existing_nullable=True)
