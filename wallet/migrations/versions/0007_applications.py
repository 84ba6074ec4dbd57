"""applications for cards

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wallet.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pending_slot", sa.Boolean(), nullable=True),
        sa.Column("declarations", sa.JSON(), nullable=False),
        sa.Column("birthdate", sa.Date(), nullable=True),
        sa.Column("card_type", sa.String(length=64), nullable=True),
        sa.Column("explanation", sa.String(length=1000), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("decided_by", sa.String(length=16), nullable=True),
        sa.Column("decided_at", wallet.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("authorisation_id", sa.Uuid(), nullable=True),
        sa.Column("card_number", sa.String(length=16), nullable=True),
        sa.Column("submitted_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_applications_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_applications_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["authorisation_id"],
            ["credential_authorisations.id"],
            name=op.f("fk_applications_authorisation_id_credential_authorisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("account_id", "kind", "pending_slot", name=op.f("uq_applications_account_id")),
        sa.UniqueConstraint("card_number", name=op.f("uq_applications_card_number")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_agency_id"), ["agency_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_agency_id"))
        batch_op.drop_index(batch_op.f("ix_applications_account_id"))

    op.drop_table("applications")
