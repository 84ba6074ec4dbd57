"""What the citizen reads: a title and a body per kind of event, each body carrying the agency's why.

Templates are data, so wording can be reviewed (and later translated) without touching any code path.
``{credential}`` is the credential type's display name; ``{reason}`` the agency's reason, written as the
clause that follows the event ("because your demerit points reached 13").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CREDENTIAL_MESSAGES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "credential_issued": (
            "Your {credential} is ready",
            "Your {credential} has been issued {reason}. Open the app to add it to your wallet.",
        ),
        "credential_updated": (
            "Your {credential} has changed",
            "Your {credential} has been updated {reason}. The app will fetch the new version.",
        ),
        "credential_suspended": (
            "Your {credential} is suspended",
            "Your {credential} has been suspended {reason}. Until it is reinstated, it shows as suspended "
            "when checked.",
        ),
        "credential_revoked": (
            "Your {credential} has been cancelled",
            "Your {credential} has been cancelled {reason}. It is no longer valid.",
        ),
        "credential_reinstated": (
            "Your {credential} is valid again",
            "Your {credential} has been reinstated {reason}. It shows as valid when checked.",
        ),
        "credential_refresh_due": (
            "Update your {credential}",
            "Your {credential} needs to be refreshed {reason}. Open the app to get the new version.",
        ),
    }
)


def credential_event_message(kind: str, credential_type_name: str, reason: str) -> tuple[str, str]:
    """The (title, body) for a credential event ``kind`` (a key of CREDENTIAL_MESSAGES).

    Raises ValueError for a kind with no template: a programming error, not bad input.
    """
    try:
        title, body = CREDENTIAL_MESSAGES[kind]
    except KeyError:
        raise ValueError(f"no message template for {kind!r}") from None
    fields = {"credential": credential_type_name.strip(), "reason": _clause(reason)}
    return title.format(**fields), body.format(**fields)


def _clause(reason: str) -> str:
    # Agencies type reasons by hand: fold stray whitespace and a final full stop, which the template adds.
    return " ".join(reason.split()).rstrip(".")
