"""matching: experts, research results, technical demands, challenges (揭榜挂帅)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=True),
        sa.Column("fields", sa.String(length=300), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_experts_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_experts_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("code", name=op.f("uq_experts_code")),
    )
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experts_district_id"), ["district_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_experts_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_experts_name"), ["name"], unique=False)

    op.create_table(
        "research_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("trl", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("institution_code", sa.String(length=18), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("chain_node_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("trl BETWEEN 1 AND 9", name=op.f("ck_research_results_trl_range")),
        sa.ForeignKeyConstraint(
            ["chain_node_id"],
            ["chain_nodes.id"],
            name=op.f("fk_research_results_chain_node_id_chain_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_research_results_district_id_districts"),
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_research_results_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_results")),
        sa.UniqueConstraint("code", name=op.f("uq_research_results_code")),
    )
    with op.batch_alter_table("research_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_research_results_chain_node_id"), ["chain_node_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_research_results_district_id"), ["district_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_research_results_field"), ["field"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_research_results_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "research_result_experts",
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_research_result_experts_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["research_results.id"],
            name=op.f("fk_research_result_experts_result_id_research_results"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("result_id", "expert_id", name=op.f("pk_research_result_experts")),
    )
    with op.batch_alter_table("research_result_experts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_research_result_experts_expert_id"), ["expert_id"], unique=False
        )

    op.create_table(
        "research_result_patents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["research_results.id"],
            name=op.f("fk_research_result_patents_result_id_research_results"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_result_patents")),
        sa.UniqueConstraint(
            "result_id", "number", name=op.f("uq_research_result_patents_result_id")
        ),
    )
    with op.batch_alter_table("research_result_patents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_research_result_patents_number"), ["number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_research_result_patents_result_id"), ["result_id"], unique=False
        )

    op.create_table(
        "technical_demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("min_trl", sa.Integer(), nullable=True),
        sa.Column("chain_node_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("budget >= 0", name=op.f("ck_technical_demands_budget_not_negative")),
        sa.CheckConstraint(
            "min_trl BETWEEN 1 AND 9", name=op.f("ck_technical_demands_min_trl_range")
        ),
        sa.ForeignKeyConstraint(
            ["chain_node_id"],
            ["chain_nodes.id"],
            name=op.f("fk_technical_demands_chain_node_id_chain_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_technical_demands_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_technical_demands_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technical_demands")),
        sa.UniqueConstraint("code", name=op.f("uq_technical_demands_code")),
    )
    with op.batch_alter_table("technical_demands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_technical_demands_chain_node_id"), ["chain_node_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_technical_demands_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_technical_demands_field"), ["field"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_technical_demands_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("bounty", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("chain_key", sa.String(length=60), nullable=True),
        sa.Column("node_key", sa.String(length=60), nullable=True),
        sa.Column("recommended_mode", sa.String(length=40), nullable=True),
        sa.Column("chain_node_id", sa.Integer(), nullable=True),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("bounty > 0", name=op.f("ck_challenges_bounty_positive")),
        sa.ForeignKeyConstraint(
            ["chain_node_id"],
            ["chain_nodes.id"],
            name=op.f("fk_challenges_chain_node_id_chain_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["technical_demands.id"],
            name=op.f("fk_challenges_demand_id_technical_demands"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_challenges_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenges_chain_node_id"), ["chain_node_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_challenges_demand_id"), ["demand_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_challenges_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_challenges_state"), ["state"], unique=False)

    op.create_table(
        "challenge_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("applicant", sa.String(length=200), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_applications_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_challenge_applications_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["research_results.id"],
            name=op.f("fk_challenge_applications_result_id_research_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_applications")),
    )
    with op.batch_alter_table("challenge_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_applications_challenge_id"), ["challenge_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_applications_expert_id"), ["expert_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_applications_result_id"), ["result_id"], unique=False
        )

    op.create_table(
        "challenge_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "score BETWEEN 0 AND 100", name=op.f("ck_challenge_reviews_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_applications.id"],
            name=op.f("fk_challenge_reviews_application_id_challenge_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_reviews")),
        sa.UniqueConstraint(
            "application_id", "reviewer", name=op.f("uq_challenge_reviews_application_id")
        ),
    )
    with op.batch_alter_table("challenge_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_reviews_application_id"), ["application_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("challenge_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_reviews_application_id"))

    op.drop_table("challenge_reviews")
    with op.batch_alter_table("challenge_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_applications_result_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_applications_expert_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_applications_challenge_id"))

    op.drop_table("challenge_applications")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenges_state"))
        batch_op.drop_index(batch_op.f("ix_challenges_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_challenges_demand_id"))
        batch_op.drop_index(batch_op.f("ix_challenges_chain_node_id"))

    op.drop_table("challenges")
    with op.batch_alter_table("technical_demands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technical_demands_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_technical_demands_field"))
        batch_op.drop_index(batch_op.f("ix_technical_demands_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_technical_demands_chain_node_id"))

    op.drop_table("technical_demands")
    with op.batch_alter_table("research_result_patents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_result_patents_result_id"))
        batch_op.drop_index(batch_op.f("ix_research_result_patents_number"))

    op.drop_table("research_result_patents")
    with op.batch_alter_table("research_result_experts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_result_experts_expert_id"))

    op.drop_table("research_result_experts")
    with op.batch_alter_table("research_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_results_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_research_results_field"))
        batch_op.drop_index(batch_op.f("ix_research_results_district_id"))
        batch_op.drop_index(batch_op.f("ix_research_results_chain_node_id"))

    op.drop_table("research_results")
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experts_name"))
        batch_op.drop_index(batch_op.f("ix_experts_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_experts_district_id"))

    op.drop_table("experts")
