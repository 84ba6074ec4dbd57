"""``GET /v1/credentials``: the citizen's credentials across agencies."""

from __future__ import annotations

import uuid

from wallet.auth.guards import citizen_required, current_citizen
from wallet.credentials.schemas import CollectedSchema, WalletEntrySchema
from wallet.credentials.service import WalletEntry, WalletService
from wallet.db import request_session
from wallet.http import Blueprint
from wallet.runtime import runtime

blp = Blueprint("credentials", __name__, url_prefix="/v1", description="The citizen's wallet")


def _wallet() -> WalletService:
    return WalletService(request_session(), clock=runtime().clock)


@blp.route("/credentials", methods=["GET"])
@blp.operation("listCredentials")
@citizen_required(blp)
@blp.response(200, WalletEntrySchema(many=True))
def credentials() -> list[WalletEntry]:
    """The citizen's credentials across agencies: status, expiry, the device holding each, what is due"""
    return _wallet().entries(current_citizen().account_id)


@blp.route("/credentials/<uuid:credential_id>", methods=["GET"])
@blp.operation("getCredential")
@citizen_required(blp)
@blp.response(200, WalletEntrySchema)
@blp.problems(404)
def credential(credential_id: uuid.UUID) -> WalletEntry:
    """One credential of the citizen's"""
    return _wallet().entry(current_citizen().account_id, credential_id)


@blp.route("/credentials/<uuid:credential_id>/pending-copy", methods=["POST"])
@blp.operation("collectPendingCopy")
@citizen_required(blp)
@blp.response(200, CollectedSchema)
@blp.problems(404)
def collect(credential_id: uuid.UUID) -> dict[str, str]:
    """Collect a copy the service re-issued on its own (after a key compromise); it is then gone"""
    return {"credential": _wallet().collect(current_citizen().account_id, credential_id)}
