"""payments in flight per subject, idempotency leases

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 15:36:31.346367
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keys already running get a lease of their own id (unique, and no request holds it): their requests
    # may still finish; a retry after the lease takes over as before.
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease", sa.Uuid(), nullable=True))
    op.execute("UPDATE idempotency_keys SET lease = id")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.alter_column("lease", existing_type=sa.Uuid(), nullable=False)

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payments_purpose"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_payments_subject_id"), ["subject_id", "live_slot"])


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payments_subject_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_payments_purpose"), ["purpose", "subject_id", "live_slot"]
        )

    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("lease")
