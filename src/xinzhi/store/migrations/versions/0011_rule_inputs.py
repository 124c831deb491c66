"""rule inputs (issue #19): IP lapse date (终止日期), listing removal date (移出日期)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ip_rights") as batch:
        batch.add_column(sa.Column("lapsed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("removed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("removed_on")
    with op.batch_alter_table("ip_rights") as batch:
        batch.drop_column("lapsed_on")
