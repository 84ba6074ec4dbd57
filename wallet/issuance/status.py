"""Changing what issued credentials' status lists say: revoke, suspend, reinstate, supersede.

A change to one credential reaches its companions (the proof-of-age credential shares its licence's fate).
A person-wide change also moves the authorisation behind those credentials, so that the holder cannot
simply ask for a fresh copy: revoking withdraws it for good, suspending holds it, reinstating reopens it.

Locks are taken in one order everywhere, so that no two of these can deadlock: the person's row (a new
authorisation, a sanction), then the authorisation's (every status change, every issuance), then the
credentials'. Each is FOR NO KEY UPDATE: nothing here changes a key, and a stronger lock would block the
foreign-key checks of rows inserted meanwhile (a re-issued copy pointing at its authorisation).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from issuers.catalog import CATALOG
from wallet.audit.service import Actor, record
from wallet.db import flushed_connection
from wallet.issuance.errors import AuthorisationSuspended, CompanionFollows, InvalidTransition
from wallet.issuance.events import STATE_EVENTS, tell_holder
from wallet.issuance.models import CredentialAuthorisation, IssuedCredential
from wallet.issuance.statuslists import StatusLists

TRANSITIONS = {"valid": {"revoked", "suspended"}, "suspended": {"valid", "revoked"}, "revoked": set[str]()}
AUTHORISATION_STATE = {"revoked": "withdrawn", "suspended": "suspended", "valid": "active"}


class StatusChanges:
    def __init__(self, session: Session, *, now: Callable[[], datetime], lists: StatusLists) -> None:
        self.session = session
        self.now = now
        self.lists = lists

    def change(
        self,
        credentials: list[IssuedCredential],
        state: str,
        *,
        reason: str,
        actor: Actor,
        tell: bool = True,
        companions: bool = True,
    ) -> list[IssuedCredential]:
        """Move credentials (and, unless ``companions`` is False, their companions) to ``state``.

        Raises InvalidTransition, and then nothing moves.
        """
        affected = self._locked(self._with_companions(credentials) if companions else credentials)
        for credential in affected:
            if state != credential.state and state not in TRANSITIONS[credential.state]:
                raise InvalidTransition(f"a {credential.state} credential cannot become {state}")
        changed = [credential for credential in affected if credential.state != state]
        for credential in changed:
            credential.state = state
            self._audit(f"credential_{state}", credential.id, reason, actor)
        self.lists.record_batch({}, {credential.status_list_id for credential in affected})
        if tell:
            self._tell(changed, state, reason)
        self.session.flush()
        return affected

    def change_one(
        self, credential: IssuedCredential, state: str, *, reason: str, actor: Actor
    ) -> list[IssuedCredential]:
        """An agency's change to one credential. Raises CompanionFollows for a companion, whose status
        is its licence's, and InvalidTransition."""
        if credential.companion_of is not None:
            raise CompanionFollows()
        self.hold(credential.authorisation_id)
        return self.change([credential], state, reason=reason, actor=actor)

    def hold(self, authorisation_id: uuid.UUID) -> CredentialAuthorisation:
        """The authorisation, locked until the commit and read afresh: what is issued from it and what
        happens to its credentials then take turns (see the module's lock order)."""
        return self.session.get_one(
            CredentialAuthorisation,
            authorisation_id,
            with_for_update={"key_share": True},
            populate_existing=True,
        )

    def suspended(self, agency_id: uuid.UUID, person_id: uuid.UUID, credential_type: str) -> bool:
        """Whether the person's card of that type is suspended (its authorisation, or a copy of it): then
        nothing is issued, offered or authorised for it anew, which would lift the suspension. Read under
        the authorisation's lock."""
        card = select(IssuedCredential.id).where(
            *_cards_of(IssuedCredential, agency_id, person_id, credential_type),
            IssuedCredential.state == "suspended",
        )
        held = select(CredentialAuthorisation.id).where(
            *_cards_of(CredentialAuthorisation, agency_id, person_id, credential_type),
            CredentialAuthorisation.state == "suspended",
        )
        return self.session.scalar(card.union_all(held).limit(1)) is not None

    def suspended_from(self, authorisation: CredentialAuthorisation) -> bool:
        """``suspended`` for the card that ``authorisation`` stands for."""
        return self.suspended(authorisation.agency_id, authorisation.person_id, authorisation.credential_type)

    def _locked(self, credentials: list[IssuedCredential]) -> list[IssuedCredential]:
        """The same rows, re-read under a row lock, so that two changes at once cannot both pass the
        transition check on the state they read (a revocation must never be lost)."""
        if not credentials:
            return []
        return list(
            self.session.scalars(
                select(IssuedCredential)
                .where(IssuedCredential.id.in_([credential.id for credential in credentials]))
                .with_for_update(key_share=True)
                .execution_options(populate_existing=True)
            )
        )

    def change_for_person(
        self,
        agency_id: uuid.UUID,
        person_id: uuid.UUID,
        credential_type: str,
        state: str,
        *,
        reason: str,
        actor: Actor,
        companions: bool = True,
    ) -> list[IssuedCredential]:
        """Every credential of one type a person holds, and the authorisations they came from; their
        companions too, unless ``companions`` is False (a policy may keep proof of age valid).

        Raises CompanionFollows for a companion type, whose status is its licence's (else reinstating the
        companions would free them from a suspended licence), and InvalidTransition.
        """
        ctype = CATALOG.get(credential_type)
        if ctype is not None and not ctype.takes_claims:
            raise CompanionFollows()
        authorisations = self._authorisations(agency_id, person_id, credential_type)
        credentials = list(
            self.session.scalars(
                select(IssuedCredential).where(
                    *_cards_of(IssuedCredential, agency_id, person_id, credential_type),
                    # Copies already revoked (replaced by a refresh, or on a removed phone) stay revoked:
                    # they are not the person's credentials any more, and no change applies to them.
                    IssuedCredential.state != "revoked",
                )
            )
        )
        affected = self.change(credentials, state, reason=reason, actor=actor, companions=companions)
        for authorisation in authorisations:
            authorisation.state = AUTHORISATION_STATE[state]
        self.session.flush()
        return affected

    def replace_authorisation(
        self, agency_id: uuid.UUID, person_id: uuid.UUID, credential_type: str, *, actor: Actor
    ) -> None:
        """Make way for a new authorisation of a type: a person holds one card of a type, so the one in
        force is withdrawn and what was issued from it revoked, as a replaced plastic card is cancelled.

        Raises AuthorisationSuspended when it, or a card issued from it, is suspended: a new card must not
        lift a suspension.
        """
        held = self._authorisations(agency_id, person_id, credential_type)  # locked before the check below
        if self.suspended(agency_id, person_id, credential_type):
            raise AuthorisationSuspended()
        if held:
            self.change_for_person(
                agency_id,
                person_id,
                credential_type,
                "revoked",
                reason="replaced by a new authorisation",
                actor=actor,
            )

    def _authorisations(
        self, agency_id: uuid.UUID, person_id: uuid.UUID, credential_type: str
    ) -> list[CredentialAuthorisation]:
        """The person's authorisations of a type still in force (active or suspended), locked."""
        return list(
            self.session.scalars(
                select(CredentialAuthorisation)
                .where(
                    *_cards_of(CredentialAuthorisation, agency_id, person_id, credential_type),
                    CredentialAuthorisation.state != "withdrawn",  # a withdrawn authorisation stays withdrawn
                )
                .with_for_update(key_share=True)
            )
        )

    def supersede(self, new: Mapping[str, Any], *, actor: Actor) -> set[uuid.UUID]:
        """Revoke the older copies of a new credential (``new``: its record's columns) on the same device,
        now that it has been delivered.

        Only that one type: a licence's new copy does not retire the proof-of-age companion, which the
        app renews in its own request; until then the holder still has a valid one. Returns the lists whose
        statuses changed, for the caller to note (``StatusLists.record_batch``) once it is done: that update
        locks the list's row until the commit.
        """
        # On the session's connection: the ORM's bookkeeping (matching the update to loaded objects) would
        # cost more than the statements, and this request has loaded no credential.
        connection = flushed_connection(self.session)
        older = connection.execute(
            update(IssuedCredential)
            .where(
                IssuedCredential.authorisation_id == new["authorisation_id"],
                IssuedCredential.credential_type == new["credential_type"],
                IssuedCredential.holder_key == new["holder_key"],
                IssuedCredential.state != "revoked",
                IssuedCredential.id != new["id"],
            )
            .values(state="revoked")
            .returning(IssuedCredential.id, IssuedCredential.status_list_id)
        ).all()
        if not older:
            return set()
        for credential_id, _ in older:
            self._audit("credential_superseded", credential_id, f"replaced by {new['id']}", actor)
        # A live companion of a retired licence now follows the new one, so it cannot escape the new
        # licence's suspension or revocation.
        connection.execute(
            update(IssuedCredential)
            .where(
                IssuedCredential.companion_of.in_([id_ for id_, _ in older]),
                IssuedCredential.state != "revoked",
            )
            .values(companion_of=new["id"])
        )
        return {list_id for _, list_id in older}

    def _tell(self, changed: list[IssuedCredential], state: str, reason: str) -> None:
        """One message per person and credential type, however many copies (devices) changed; the
        companions follow their licence without a message of their own."""
        told = {(c.person_id, c.credential_type) for c in changed if c.companion_of is None}
        for person_id, credential_type in sorted(told, key=str):
            tell_holder(
                self.session,
                person_id=person_id,
                credential_type=credential_type,
                kind=STATE_EVENTS[state],
                reason=reason,
                at=self.now(),
            )

    def _with_companions(self, credentials: list[IssuedCredential]) -> list[IssuedCredential]:
        ids = {credential.id for credential in credentials}
        companions = self.session.scalars(
            select(IssuedCredential).where(
                IssuedCredential.companion_of.in_(ids),
                IssuedCredential.state != "revoked",  # a replaced companion copy has no fate left to share
            )
        )
        return [*credentials, *(c for c in companions if c.id not in ids)]

    def _audit(self, event: str, credential_id: uuid.UUID, reason: str, actor: Actor) -> None:
        record(
            self.session,
            event=event,
            actor=actor,
            at=self.now(),
            subject=("credential", str(credential_id)),
            reason=reason,
        )


def _cards_of(
    model: type[IssuedCredential] | type[CredentialAuthorisation],
    agency_id: uuid.UUID,
    person_id: uuid.UUID,
    credential_type: str,
) -> tuple[ColumnElement[bool], ...]:
    """The conditions that pick one person's credentials (or authorisations) of one type at an agency."""
    return (
        model.agency_id == agency_id,
        model.person_id == person_id,
        model.credential_type == credential_type,
    )
