"""tracks: future-industry classification, labels, scenarios; business scope, main products, IPC

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "track_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalogue_sha256", sa.String(length=64), nullable=False),
        sa.Column("taxonomies", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_runs")),
    )
    op.create_table(
        "track_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=60), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["track_runs.id"],
            name=op.f("fk_track_assignments_run_id_track_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_assignments")),
    )
    with op.batch_alter_table("track_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_track_assignments_subject", ["subject_kind", "subject_id"], unique=False
        )
        batch_op.create_index("ix_track_assignments_track", ["subject_kind", "track"], unique=False)

    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("owner_enterprise_id", sa.Integer(), nullable=True),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("track", sa.String(length=60), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("pilot_enterprise_id", sa.Integer(), nullable=True),
        sa.Column("matches", sa.JSON(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_scenarios_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["owner_enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_scenarios_owner_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["pilot_enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_scenarios_pilot_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenarios_district_id"), ["district_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scenarios_owner_enterprise_id"), ["owner_enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scenarios_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_scenarios_track"), ["track"], unique=False)

    op.create_table(
        "track_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=60), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('confirmed', 'rejected')", name=op.f("ck_track_labels_verdict_known")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_track_labels_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_labels")),
        sa.UniqueConstraint("enterprise_id", "track", name=op.f("uq_track_labels_enterprise_id")),
    )
    with op.batch_alter_table("track_labels", schema=None) as batch_op:
        batch_op.create_index("ix_track_labels_track", ["track", "verdict"], unique=False)

    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.add_column(sa.Column("business_scope", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("main_products", sa.String(length=500), nullable=True))

    with op.batch_alter_table("ip_rights", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ipc", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ip_rights", schema=None) as batch_op:
        batch_op.drop_column("ipc")

    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_column("main_products")
        batch_op.drop_column("business_scope")

    with op.batch_alter_table("track_labels", schema=None) as batch_op:
        batch_op.drop_index("ix_track_labels_track")

    op.drop_table("track_labels")
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenarios_track"))
        batch_op.drop_index(batch_op.f("ix_scenarios_state"))
        batch_op.drop_index(batch_op.f("ix_scenarios_owner_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_scenarios_district_id"))

    op.drop_table("scenarios")
    with op.batch_alter_table("track_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_track_assignments_track")
        batch_op.drop_index("ix_track_assignments_subject")

    op.drop_table("track_assignments")
    op.drop_table("track_runs")
