"""fines, demerits, sanctions and payments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 14:44:29.098537
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wallet.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_charges",
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("card_token", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_sandbox_charges")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("locked_until", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_idempotency_keys_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("account_id", "key", name=op.f("uq_idempotency_keys_account_id")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_keys_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "fines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("notice_number", sa.String(length=32), nullable=False),
        sa.Column("lodged_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("offence_code", sa.String(length=32), nullable=False),
        sa.Column("offence_description", sa.String(length=300), nullable=False),
        sa.Column("offence_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("detection", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("fees", sa.JSON(), nullable=False),
        sa.Column("held_from", sa.String(length=16), nullable=True),
        sa.Column("held_since", sa.Date(), nullable=True),
        sa.Column("review", sa.JSON(), nullable=True),
        sa.Column("nominee_person_id", sa.Uuid(), nullable=True),
        sa.Column("nominated_from_id", sa.Uuid(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_fines_agency_id_agencies")),
        sa.ForeignKeyConstraint(
            ["nominated_from_id"], ["fines.id"], name=op.f("fk_fines_nominated_from_id_fines")
        ),
        sa.ForeignKeyConstraint(
            ["nominee_person_id"], ["people.id"], name=op.f("fk_fines_nominee_person_id_people")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_fines_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fines")),
        sa.UniqueConstraint("agency_id", "notice_number", name=op.f("uq_fines_agency_id")),
    )
    with op.batch_alter_table("fines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fines_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fines_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fines_state"), ["state"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("live_slot", sa.Boolean(), nullable=True),
        sa.Column("gateway", sa.String(length=24), nullable=False),
        sa.Column("gateway_ref", sa.String(length=64), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("failure_code", sa.String(length=32), nullable=True),
        sa.Column("receipt_number", sa.String(length=24), nullable=True),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.Column("idempotency_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("captured_at", wallet.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_payments_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_payments_agency_id_agencies")),
        sa.ForeignKeyConstraint(
            ["idempotency_id"],
            ["idempotency_keys.id"],
            name=op.f("fk_payments_idempotency_id_idempotency_keys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("idempotency_id", name=op.f("uq_payments_idempotency_id")),
        sa.UniqueConstraint("purpose", "subject_id", "live_slot", name=op.f("uq_payments_purpose")),
        sa.UniqueConstraint("receipt_number", name=op.f("uq_payments_receipt_number")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_state"), ["state"], unique=False)

    op.create_table(
        "fine_images",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fine_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["fine_id"], ["fines.id"], name=op.f("fk_fine_images_fine_id_fines")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fine_images")),
    )
    with op.batch_alter_table("fine_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fine_images_fine_id"), ["fine_id"], unique=False)

    op.create_table(
        "sanctions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("fine_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fine_id"], ["fines.id"], name=op.f("fk_sanctions_fine_id_fines")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_sanctions_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanctions")),
    )
    with op.batch_alter_table("sanctions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sanctions_fine_id"), ["fine_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sanctions_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sanctions_state"), ["state"], unique=False)

    op.create_table(
        "demerit_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("fine_id", sa.Uuid(), nullable=False),
        sa.Column("offence_code", sa.String(length=32), nullable=False),
        sa.Column("offence_description", sa.String(length=300), nullable=False),
        sa.Column("offence_date", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("double_period", sa.String(length=100), nullable=True),
        sa.Column("sanction_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fine_id"], ["fines.id"], name=op.f("fk_demerit_entries_fine_id_fines")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_demerit_entries_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["sanction_id"], ["sanctions.id"], name=op.f("fk_demerit_entries_sanction_id_sanctions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demerit_entries")),
        sa.UniqueConstraint("fine_id", name=op.f("uq_demerit_entries_fine_id")),
    )
    with op.batch_alter_table("demerit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demerit_entries_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("demerit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demerit_entries_person_id"))

    op.drop_table("demerit_entries")
    with op.batch_alter_table("sanctions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sanctions_state"))
        batch_op.drop_index(batch_op.f("ix_sanctions_person_id"))
        batch_op.drop_index(batch_op.f("ix_sanctions_fine_id"))

    op.drop_table("sanctions")
    with op.batch_alter_table("fine_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fine_images_fine_id"))

    op.drop_table("fine_images")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_state"))
        batch_op.drop_index(batch_op.f("ix_payments_account_id"))

    op.drop_table("payments")
    with op.batch_alter_table("fines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fines_state"))
        batch_op.drop_index(batch_op.f("ix_fines_person_id"))
        batch_op.drop_index(batch_op.f("ix_fines_agency_id"))

    op.drop_table("fines")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_expires_at"))

    op.drop_table("idempotency_keys")
    op.drop_table("sandbox_charges")
