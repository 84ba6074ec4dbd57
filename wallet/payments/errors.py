from __future__ import annotations

from wallet.errors import AppError

IDEMPOTENCY_DOCS = "https://wallet.example.gov/docs/idempotency"


class IdempotencyKeyMissing(AppError):
    status = 400
    code = "idempotency_key_missing"
    title = "Idempotency-Key is missing"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail or "This operation moves money: send an Idempotency-Key header, a quoted string.",
            headers={"Link": f'<{IDEMPOTENCY_DOCS}>; rel="describedby"; type="text/html"'},
        )


class IdempotencyKeyReused(AppError):
    status = 422
    code = "idempotency_key_reused"
    title = "Idempotency-Key is already used"


class RequestInProgress(AppError):
    status = 409
    code = "request_in_progress"
    title = "A request is outstanding for this Idempotency-Key"


class PaymentDeclined(AppError):
    status = 402
    code = "payment_declined"
    title = "The card was declined"


class PaymentInProgress(AppError):
    status = 409
    code = "payment_in_progress"
    title = "A payment for this is already under way"


class AmountChanged(AppError):
    status = 409
    code = "amount_changed"
    title = "The amount owed is not the amount sent"


class UnknownCardToken(AppError):
    status = 422
    code = "invalid_card_token"
    title = "The card token is not one the payment gateway issued"


class GatewayRefused(AppError):
    status = 502
    code = "payment_gateway_refused"
    title = "The payment gateway refused the request"


class PaymentsUnavailable(AppError):
    status = 503
    code = "payments_unavailable"
    title = "Payments cannot be taken now"


class WebhookRejected(AppError):
    status = 401
    code = "webhook_signature_invalid"
    title = "The webhook signature does not verify"
