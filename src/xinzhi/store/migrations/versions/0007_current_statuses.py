"""current_statuses: the latest assessment run's passes and undetermined results, per enterprise

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "current_statuses",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("assessment", sa.String(length=60), nullable=False),
        sa.Column("family", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_current_statuses_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["evaluation_runs.id"],
            name=op.f("fk_current_statuses_run_id_evaluation_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enterprise_id", "assessment", name=op.f("pk_current_statuses")),
    )
    op.create_index(
        "ix_current_statuses_family_status", "current_statuses", ["family", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_current_statuses_family_status", table_name="current_statuses")
    op.drop_table("current_statuses")
