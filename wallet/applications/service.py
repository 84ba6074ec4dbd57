"""Applications for cards: submitted by a citizen, decided at once by the rules where they can decide,
otherwise by the agency; an approval authorises the card, for the citizen's app to collect.

The applicant's age comes from the records agencies keep about them and that are linked to their account,
never from what they type. Every check that can refuse a request runs before its first write, and the
request's one commit (or rollback) at the boundary makes a refused request leave nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict

from limits import RateLimitItem
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wallet.accounts.models import Account
from wallet.agencies.errors import UnknownAgency
from wallet.agencies.models import Agency, Person
from wallet.agencies.service import AgencyService
from wallet.applications.cards import CardDesk, Holder, holder_of
from wallet.applications.errors import (
    ApplicationDecided,
    ApplicationPending,
    ApplicationsUnavailable,
    ApprovalContradictsRules,
    CardSuspended,
    StatutoryDeclarationRequired,
    VerifiedPersonRequired,
)
from wallet.applications.models import Application
from wallet.applications.presenting import decision_notice
from wallet.applications.rules import (
    KINDS,
    ApplicationKind,
    Decision,
    Declarations,
    Outcome,
    decide,
    missing_declarations,
    today_in,
)
from wallet.audit.service import Actor, record
from wallet.clock import Clock
from wallet.errors import InvalidField, NotFound
from wallet.issuance.offers import OfferService
from wallet.notifications.service import notify
from wallet.ratelimit import RateLimiter


class ApplicationService:
    def __init__(
        self,
        session: Session,
        *,
        clock: Clock,
        agencies: AgencyService,
        offers: OfferService,
        base_url: str,
        limiter: RateLimiter,
        rules: Sequence[RateLimitItem],
    ) -> None:
        """``rules``: how many applications one account may file (``application_limit_account``)."""
        self.session = session
        self.clock = clock
        self.agencies = agencies
        self.limiter = limiter
        self.rules = rules
        self.cards = CardDesk(session, agencies=agencies, offers=offers, base_url=base_url)

    # --- The citizen ------------------------------------------------------------------------------------

    def submit(
        self, account_id: uuid.UUID, *, kind: str, declarations: Declarations, actor: Actor
    ) -> Application:
        """File an application and decide it if the rules can. Returns it, approved, declined or pending.

        Raises StatutoryDeclarationRequired, ApplicationPending (one is already waiting),
        ApplicationsUnavailable (the deciding agency is not set up), CardSuspended (the card it would give
        replaces one that is suspended, of its own type or another the same rules give), RateLimited (the
        account has filed too many lately), ClaimsInvalid (the record does not fit the card).
        """
        spec = KINDS[kind]
        if missing_declarations(declarations):
            raise StatutoryDeclarationRequired("The application is not complete without it.")
        agency = self._agency(spec)
        self._refuse_second_pending(account_id, spec)
        today = today_in(spec.rules, self.clock.now())
        source = self.cards.confirmed_record(account_id, today)
        decision = decide(spec.rules, declarations, source.birthdate if source else None, today)
        if decision.card_type and self.cards.suspended(agency, account_id, spec.rules.card_types):
            raise CardSuspended(
                "The agency that suspended it can tell you why, and when it may be reinstated."
            )
        self._count_filing(account_id)
        application = self._file(account_id, agency, spec, declarations, source, decision, actor)
        if decision.outcome == Outcome.APPROVED:
            self._approve(application, agency, verified=None, actor=actor)
        if decision.outcome != Outcome.PENDING:
            self._close(application, decision.outcome, decision.explanation, None, "rules", actor)
        return application

    def for_account(self, account_id: uuid.UUID, application_id: uuid.UUID) -> Application:
        """One of the account's applications. Raises NotFound, also for another account's."""
        application = self.session.get(Application, application_id)
        if application is None or application.account_id != account_id:
            raise NotFound("No such application.")
        return application

    def of_account(self, account_id: uuid.UUID) -> list[Application]:
        """The account's applications, newest first."""
        query = select(Application).where(Application.account_id == account_id)
        return list(self.session.scalars(query.order_by(Application.submitted_at.desc(), Application.id)))

    # --- The agency -------------------------------------------------------------------------------------

    def for_agency(
        self, agency_id: uuid.UUID, application_id: uuid.UUID, *, lock: bool = False
    ) -> Application:
        """One of the applications the agency decides. Raises NotFound, also for another agency's."""
        query = select(Application).where(
            Application.id == application_id, Application.agency_id == agency_id
        )
        if lock:  # two deciders at once: the second waits, then finds the application decided
            query = query.with_for_update().execution_options(populate_existing=True)
        application = self.session.scalar(query)
        if application is None:
            raise NotFound("No such application.")
        return application

    def of_agency(self, agency_id: uuid.UUID, *, status: str | None, limit: int) -> list[Application]:
        """The applications the agency decides, oldest first (the order to work through them)."""
        query = select(Application).where(Application.agency_id == agency_id)
        if status is not None:
            query = query.where(Application.status == status)
        order = (Application.submitted_at, Application.id)
        return list(self.session.scalars(query.order_by(*order).limit(limit)))

    def applicant(self, application: Application) -> Account:
        return self.session.get_one(Account, application.account_id)

    def decide(
        self,
        agency_id: uuid.UUID,
        application_id: uuid.UUID,
        *,
        approve: bool,
        reason: str,
        verified: Holder | None,
        actor: Actor,
    ) -> Application:
        """The agency's decision on a pending application; ``reason`` is shown to the citizen.

        Approving grants the card to the agency's own record of the applicant if it has one linked to their
        account, else to a new record made from ``verified`` (details checked against their documents), else
        from the records linked to their account. Raises NotFound, ApplicationDecided,
        VerifiedPersonRequired, InvalidField (a verified birthdate after today), ApprovalContradictsRules (the
        rules would decline it, or the record's birthdate is after today), ClaimsInvalid.
        """
        application = self.for_agency(agency_id, application_id, lock=True)
        if application.status != Outcome.PENDING:
            raise ApplicationDecided(
                f"It was {application.status} already.", application_status=application.status
            )
        agency = self.session.get_one(Agency, agency_id)
        if approve:
            self._approve(application, agency, verified=verified, actor=actor)
            explanation, outcome = f"Approved by {agency.name}: {reason}", Outcome.APPROVED
        else:
            explanation, outcome = f"Declined by {agency.name}: {reason}", Outcome.DECLINED
        self._close(application, outcome, explanation, reason, "agency", actor)
        return application

    # --- Steps ------------------------------------------------------------------------------------------

    def _approve(
        self, application: Application, agency: Agency, *, verified: Holder | None, actor: Actor
    ) -> None:
        """Grant the card, the rules permitting, to the person the decision is about (see ``decide``).

        The rules run again here, on the birthdate that goes on the card, so neither a rules approval nor an
        agency's can give a card the rules would refuse.
        """
        spec = KINDS[application.kind]
        today = today_in(spec.rules, self.clock.now())
        if verified is not None and verified.birthdate > today:
            raise InvalidField("verified_person.birthdate", "Must not be after today.")
        person = self.cards.record_at(agency, application.account_id)
        source = self.cards.confirmed_record(application.account_id, today)
        holder = holder_of(person) if person else verified or (holder_of(source) if source else None)
        if holder is None:
            raise VerifiedPersonRequired(
                "No record linked to the applicant's account confirms their details: send verified_person."
            )
        declarations = Declarations(**application.declarations)
        check = decide(spec.rules, declarations, holder.birthdate, today)
        if check.outcome != Outcome.APPROVED or check.card_type is None:
            raise ApprovalContradictsRules(check.explanation)
        person = person or self.cards.open_record(agency, application, holder)
        self.cards.grant(
            application,
            agency,
            person,
            card_type=check.card_type,
            slot=spec.rules.card_types,
            issued=today,
            years=spec.card_years,
            actor=actor,
        )

    def _count_filing(self, account_id: uuid.UUID) -> None:
        # Last of the checks, so that only what would be filed counts: a refused request (incomplete, one
        # already pending) writes nothing and costs the citizen nothing of their allowance.
        refusal = "You have made many applications lately; try again later."
        self.limiter.take(self.rules, "application-account", str(account_id), refusal=refusal)

    def _file(
        self,
        account_id: uuid.UUID,
        agency: Agency,
        spec: ApplicationKind,
        declarations: Declarations,
        source: Person | None,
        decision: Decision,
        actor: Actor,
    ) -> Application:
        application = Application(
            account_id=account_id,
            agency_id=agency.id,
            kind=spec.id,
            status=Outcome.PENDING.value,
            pending_slot=True,
            declarations=asdict(declarations),
            birthdate=source.birthdate if source else None,
            card_type=decision.card_type,
            explanation=decision.explanation,
            submitted_at=self.clock.now(),
        )
        try:
            with self.session.begin_nested():
                self.session.add(application)
        except IntegrityError:  # a second submission racing the first
            raise ApplicationPending() from None
        record(
            self.session,
            event="application_submitted",
            actor=actor,
            at=application.submitted_at,
            subject=("application", str(application.id)),
            kind=spec.id,
        )
        return application

    def _close(
        self,
        application: Application,
        outcome: Outcome,
        explanation: str,
        reason: str | None,
        decided_by: str,
        actor: Actor,
    ) -> None:
        """Record the decision, audit it, and tell the citizen, in the same transaction."""
        application.status = outcome.value
        application.pending_slot = None
        application.explanation = explanation
        application.reason = reason
        application.decided_by = decided_by
        application.decided_at = self.clock.now()
        self.session.flush()
        record(
            self.session,
            event="application_decided",
            actor=actor,
            at=application.decided_at,
            subject=("application", str(application.id)),
            outcome=outcome.value,
            decided_by=decided_by,
            card_type=application.card_type,
        )
        notice = decision_notice(application)
        notify(
            self.session,
            account_id=application.account_id,
            kind=notice.kind,
            title=notice.title,
            body=notice.body,
            reason=notice.reason,
            at=application.decided_at,
            data=notice.data,
        )

    def _agency(self, spec: ApplicationKind) -> Agency:
        try:
            return self.agencies.find_agency(spec.agency)
        except UnknownAgency:
            raise ApplicationsUnavailable(
                f"The agency that decides {spec.name} applications is not set up."
            ) from None

    def _refuse_second_pending(self, account_id: uuid.UUID, spec: ApplicationKind) -> None:
        waiting = self.session.scalar(
            select(Application.id).where(
                Application.account_id == account_id,
                Application.kind == spec.id,
                Application.status == Outcome.PENDING.value,
            )
        )
        if waiting is not None:
            raise ApplicationPending(
                f"Application {waiting} is still waiting for a decision.", application_id=str(waiting)
            )
