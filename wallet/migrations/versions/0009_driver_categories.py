"""driver categories

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 14:57:55.662034
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wallet.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "driver_categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_driver_categories_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_categories")),
    )
    with op.batch_alter_table("driver_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_driver_categories_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("driver_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_categories_person_id"))

    op.drop_table("driver_categories")
