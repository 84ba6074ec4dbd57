"""Payments in the app: the citizen's payments and their receipts."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request

from wallet.agencies.models import Agency
from wallet.auth.guards import citizen_required, current_citizen
from wallet.db import request_session
from wallet.errors import NotFound
from wallet.http import Blueprint
from wallet.payments.errors import PaymentsUnavailable
from wallet.payments.gateway import GatewayResult
from wallet.payments.models import Payment
from wallet.payments.schemas import PaymentSchema, ReceiptSchema, WebhookSchema
from wallet.payments.webhooks import HEADER, check_webhook
from wallet.runtime import runtime

blp = Blueprint("payments", __name__, url_prefix="/v1", description="Payments and receipts")


@blp.route("/payments", methods=["GET"])
@blp.operation("listMyPayments")
@citizen_required(blp)
@blp.response(200, PaymentSchema(many=True))
def list_mine() -> list[Payment]:
    """The citizen's payments, newest first"""
    return runtime().payments().of_account(request_session(), current_citizen().account_id)


@blp.route("/payments/<uuid:payment_id>", methods=["GET"])
@blp.operation("getMyPayment")
@citizen_required(blp)
@blp.response(200, PaymentSchema)
@blp.problems(404)
def get_mine(payment_id: uuid.UUID) -> Payment:
    """One payment"""
    return runtime().payments().for_account(request_session(), current_citizen().account_id, payment_id)


@blp.route("/payments/webhooks/sandbox", methods=["POST"])
@blp.operation("sandboxPaymentWebhook")
@blp.doc(
    security=[], parameters=[{"in": "header", "name": HEADER, "required": True, "schema": {"type": "string"}}]
)
@blp.arguments(WebhookSchema)
@blp.response(204)
@blp.problems(401, 404, 422, 503)
def sandbox_webhook(body: dict[str, Any]) -> None:
    """The sandbox processor's word on a pending charge (signed; applying it twice changes nothing)"""
    rt = runtime()
    if rt.settings.payment_gateway != "sandbox":
        raise PaymentsUnavailable("The sandbox gateway is not in use here.")
    check_webhook(
        rt.settings.payment_webhook_secret,
        request.headers.get(HEADER),
        request.get_data(),
        now=rt.clock.now(),
    )
    request_session().commit()  # the guard-free request read nothing; free the write lock (SQLite)
    rt.payments().settle_webhook(body["reference"], GatewayResult(body["state"]))


@blp.route("/payments/<uuid:payment_id>/receipt", methods=["GET"])
@blp.operation("getMyReceipt")
@citizen_required(blp)
@blp.response(200, ReceiptSchema)
@blp.problems(404)
def receipt(payment_id: uuid.UUID) -> dict[str, Any]:
    """The receipt of a captured payment, with the same receipt signed by the agency paid"""
    session, rt = request_session(), runtime()
    payment = rt.payments().for_account(session, current_citizen().account_id, payment_id)
    if payment.receipt_number is None or payment.captured_at is None:
        raise NotFound("This payment has no receipt: it was not captured.")
    agency = session.get_one(Agency, payment.agency_id)
    return {
        "receipt_number": payment.receipt_number,
        "paid_to": agency.name,
        "description": payment.description,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "paid_at": payment.captured_at,
        "receipt_jwt": rt.receipt_token(payment, agency),
    }
