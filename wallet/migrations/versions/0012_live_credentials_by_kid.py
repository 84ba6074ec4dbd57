"""re-issue walks a compromised key's live credentials by (signing_kid, id)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 20:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("state <> 'revoked'")


def upgrade() -> None:
    # The index on the kid alone served only the re-issue, whose every query also asks for live rows in
    # id order; this one answers that directly, and is smaller, as revoked rows leave it.
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_credentials_signing_kid"))
        batch_op.create_index(
            "ix_issued_credentials_live_by_kid",
            ["signing_kid", "id"],
            unique=False,
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_issued_credentials_live_by_kid")
        batch_op.create_index(batch_op.f("ix_issued_credentials_signing_kid"), ["signing_kid"], unique=False)
