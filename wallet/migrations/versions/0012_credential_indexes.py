"""issued credentials: indexes for a device's copies and for re-issue

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 17:50:56.595562
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The new device index starts with holder_key, so it takes over the old one's lookups (the wallet).
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_credentials_holder_key"))
        batch_op.create_index(
            "ix_issued_credentials_holder_copies",
            ["holder_key", "authorisation_id", "credential_type", "state"],
            unique=False,
        )
        batch_op.create_index(
            "ix_issued_credentials_to_reissue",
            ["signing_kid", "id"],
            unique=False,
            sqlite_where=sa.text("state != 'revoked'"),
            postgresql_where=sa.text("state != 'revoked'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_issued_credentials_to_reissue",
            sqlite_where=sa.text("state != 'revoked'"),
            postgresql_where=sa.text("state != 'revoked'"),
        )
        batch_op.drop_index("ix_issued_credentials_holder_copies")
        batch_op.create_index(batch_op.f("ix_issued_credentials_holder_key"), ["holder_key"], unique=False)
