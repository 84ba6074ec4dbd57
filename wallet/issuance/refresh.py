"""Finding credentials whose claims have changed with time: an ``age_over_NN`` that a birthday has made
true since the credential was signed. They are marked for refresh like after a record change; the app
sees it in the wallet and fetches a new copy with its device key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuers.catalog import CATALOG
from issuers.sdjwt import age_on
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential

AGE_TYPES = tuple(ctype.id for ctype in CATALOG.values() if ctype.age_thresholds)


def crossed_a_threshold(thresholds: tuple[int, ...], birthdate: date, signed: date, today: date) -> bool:
    """Whether some age threshold was reached after ``signed`` and by ``today``."""
    before, now = age_on(birthdate, signed), age_on(birthdate, today)
    return any(before < threshold <= now for threshold in thresholds)


def mark_birthdays(session: Session, *, now: datetime) -> list[IssuedCredential]:
    """Mark for refresh every live credential whose age claims a birthday has changed, and return them.
    Birthdays come at midnight where the issuing agency is, not in UTC.

    Idempotent: a marked credential is not found again."""
    rows = session.execute(
        select(IssuedCredential, CredentialAuthorisation.claims)
        .join(CredentialAuthorisation, CredentialAuthorisation.id == IssuedCredential.authorisation_id)
        .where(
            IssuedCredential.credential_type.in_(AGE_TYPES),
            IssuedCredential.state != "revoked",
            IssuedCredential.refresh_due_since.is_(None),
            IssuedCredential.expires_at > now,
        )
    )
    marked: list[IssuedCredential] = []
    for credential, claims in rows:
        birthdate = date.fromisoformat(str(claims["birthdate"]))
        ctype = CATALOG[credential.credential_type]
        signed, today = ctype.local_date(credential.issued_at), ctype.local_date(now)
        if crossed_a_threshold(ctype.age_thresholds, birthdate, signed, today):
            credential.refresh_due_since = now
            marked.append(credential)
    session.flush()
    return marked
