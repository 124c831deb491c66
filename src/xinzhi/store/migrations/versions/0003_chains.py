"""chains: industry and innovation chains

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chains")),
        sa.UniqueConstraint("key", name=op.f("uq_chains_key")),
    )
    op.create_table(
        "chain_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("segment", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("problem_class", sa.String(length=10), nullable=False),
        sa.Column("domestic_status", sa.String(length=20), nullable=True),
        sa.Column("import_dependence", sa.BigInteger(), nullable=True),
        sa.Column("foreign_suppliers", sa.JSON(), nullable=False),
        sa.Column("domestic_suppliers", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("industry_codes", sa.JSON(), nullable=False),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "import_dependence BETWEEN 0 AND 10000",
            name=op.f("ck_chain_nodes_import_dependence_share"),
        ),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["chains.id"],
            name=op.f("fk_chain_nodes_chain_id_chains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_nodes")),
        sa.UniqueConstraint("chain_id", "key", name=op.f("uq_chain_nodes_chain_id")),
    )
    with op.batch_alter_table("chain_nodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_nodes_chain_id"), ["chain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chain_nodes_name"), ["name"], unique=False)

    op.create_table(
        "chain_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("edge_count", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["chains.id"],
            name=op.f("fk_chain_versions_chain_id_chains"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_chain_versions_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_versions")),
        sa.UniqueConstraint("chain_id", "version", name=op.f("uq_chain_versions_chain_id")),
    )
    with op.batch_alter_table("chain_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_versions_chain_id"), ["chain_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chain_versions_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "chain_edges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("source_node_id", sa.Integer(), nullable=False),
        sa.Column("target_node_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["chains.id"],
            name=op.f("fk_chain_edges_chain_id_chains"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_node_id"],
            ["chain_nodes.id"],
            name=op.f("fk_chain_edges_source_node_id_chain_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_node_id"],
            ["chain_nodes.id"],
            name=op.f("fk_chain_edges_target_node_id_chain_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_edges")),
        sa.UniqueConstraint(
            "source_node_id", "target_node_id", name=op.f("uq_chain_edges_source_node_id")
        ),
    )
    with op.batch_alter_table("chain_edges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_edges_chain_id"), ["chain_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chain_edges_target_node_id"), ["target_node_id"], unique=False
        )

    op.create_table(
        "chain_technologies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("control", sa.BigInteger(), nullable=True),
        sa.Column("maturity", sa.Integer(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "maturity BETWEEN 1 AND 9", name=op.f("ck_chain_technologies_maturity_trl")
        ),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["chain_nodes.id"],
            name=op.f("fk_chain_technologies_node_id_chain_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_technologies")),
        sa.UniqueConstraint("node_id", "name", name=op.f("uq_chain_technologies_node_id")),
    )
    with op.batch_alter_table("chain_technologies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_technologies_name"), ["name"], unique=False)

    op.create_table(
        "chain_enterprise_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("capability", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "capability BETWEEN 1 AND 4", name=op.f("ck_chain_enterprise_links_capability_level")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_chain_enterprise_links_enterprise_id_enterprises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["chain_nodes.id"],
            name=op.f("fk_chain_enterprise_links_node_id_chain_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_enterprise_links")),
    )
    with op.batch_alter_table("chain_enterprise_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chain_enterprise_links_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_chain_enterprise_links_node_id"), ["node_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("chain_enterprise_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_enterprise_links_node_id"))
        batch_op.drop_index(batch_op.f("ix_chain_enterprise_links_enterprise_id"))

    op.drop_table("chain_enterprise_links")
    with op.batch_alter_table("chain_technologies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_technologies_name"))

    op.drop_table("chain_technologies")
    with op.batch_alter_table("chain_edges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_edges_target_node_id"))
        batch_op.drop_index(batch_op.f("ix_chain_edges_chain_id"))

    op.drop_table("chain_edges")
    with op.batch_alter_table("chain_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_versions_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_chain_versions_chain_id"))

    op.drop_table("chain_versions")
    with op.batch_alter_table("chain_nodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_nodes_name"))
        batch_op.drop_index(batch_op.f("ix_chain_nodes_chain_id"))

    op.drop_table("chain_nodes")
    op.drop_table("chains")
