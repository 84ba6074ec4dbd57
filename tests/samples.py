"""Sample records the tests share."""

from __future__ import annotations

from typing import Any

LICENCE: dict[str, Any] = {
    "given_name": "Alex",
    "family_name": "Citizen",
    "birthdate": "1990-04-12",
    "address": {
        "street_address": "1 Example St",
        "locality": "Parramatta",
        "region": "NSW",
        "postal_code": "2150",
    },
    "licence_number": "12345678",
    "card_number": "2098765432",
    "licence_class": ["C"],
    "licence_type": "unrestricted",
    "conditions": [],
    "issue_date": "2024-04-12",
    "expiry_date": "2029-04-12",
}
