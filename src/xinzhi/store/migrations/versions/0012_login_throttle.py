"""login_attempts: throttled attempts kept for the audit trail, and the purpose of a check

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("throttled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=16), server_default="login", nullable=False)
        )
        batch_op.create_index("ix_login_attempts_ip_username_at", ["ip", "username", "at"])


def downgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_ip_username_at")
        batch_op.drop_column("purpose")
        batch_op.drop_column("throttled")
