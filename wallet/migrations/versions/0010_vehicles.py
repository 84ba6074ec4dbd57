"""vehicles and registration

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 15:01:30.911088
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wallet.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("make", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("body_type", sa.String(length=24), nullable=False),
        sa.Column("vehicle_type", sa.String(length=16), nullable=False),
        sa.Column("tare_kg", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reminders_sent", sa.JSON(), nullable=False),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_vehicles_agency_id_agencies")),
        sa.ForeignKeyConstraint(["operator_id"], ["people.id"], name=op.f("fk_vehicles_operator_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("plate", name=op.f("uq_vehicles_plate")),
        sa.UniqueConstraint("vin", name=op.f("uq_vehicles_vin")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vehicles_operator_id"), ["operator_id"], unique=False)

    op.create_table(
        "ctp_policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("insurer", sa.String(length=80), nullable=False),
        sa.Column("policy_number", sa.String(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_ctp_policies_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ctp_policies")),
    )
    with op.batch_alter_table("ctp_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ctp_policies_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "renewals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("previous_expiry", sa.Date(), nullable=False),
        sa.Column("new_expiry", sa.Date(), nullable=False),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_renewals_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_renewals_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewals")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_renewals_payment_id")),
    )
    with op.batch_alter_table("renewals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_renewals_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "safety_inspections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("station", sa.String(length=80), nullable=False),
        sa.Column("created_at", wallet.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_safety_inspections_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_inspections")),
    )
    with op.batch_alter_table("safety_inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_inspections_vehicle_id"), ["vehicle_id"], unique=False)

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("details")

    with op.batch_alter_table("safety_inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_inspections_vehicle_id"))

    op.drop_table("safety_inspections")
    with op.batch_alter_table("renewals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renewals_vehicle_id"))

    op.drop_table("renewals")
    with op.batch_alter_table("ctp_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ctp_policies_vehicle_id"))

    op.drop_table("ctp_policies")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_operator_id"))
        batch_op.drop_index(batch_op.f("ix_vehicles_agency_id"))

    op.drop_table("vehicles")
