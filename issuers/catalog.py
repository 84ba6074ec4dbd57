"""The credential types, as data. A new card type is a new ``CredentialType`` here, not a new code path.

Each type names its ``vct`` (a URL under the service, where its SD-JWT VC type metadata is served), the schema
of its claims, which claims are selectively disclosable, the ages for which ``age_over_NN`` claims are derived
from the birthdate at every issuance, display metadata, and the compact companion issued beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import marshmallow as ma

from issuers.claims import (
    DriverLicenceClaims,
    PhotoCardClaims,
    ProofOfAgeClaims,
    SeniorsCardClaims,
)

# Never selectively disclosable, whatever a type says (SD-JWT VC section 3.2.2.2).
ALWAYS_PLAIN = frozenset({"iss", "iat", "exp", "nbf", "vct", "cnf", "status"})

# Where the NSW agencies are. It belongs with the agency record; until that has a column, each type says it.
NSW = "Australia/Sydney"


@dataclass(frozen=True, slots=True)
class Display:
    name: str
    description: str
    background_color: str
    text_color: str
    logo: str  # path under the service, e.g. /static/logos/transport.svg
    logo_alt: str


@dataclass(frozen=True, slots=True)
class CredentialType:
    id: str  # also the OpenID4VCI credential_configuration_id
    vct_name: str  # the vct is <base URL>/vct/<vct_name>
    agency: str  # slug of the issuing agency
    schema: type[ma.Schema]
    # IANA zone of the issuing agency: a card expires at the end of its expiry day there.
    time_zone: str
    display: Display
    labels: dict[str, str]  # claim name -> label, in display order
    disclosable: frozenset[str]
    recursive: frozenset[str] = frozenset()  # object claims whose members are disclosable one by one
    age_thresholds: tuple[int, ...] = ()
    decoys: tuple[int, int] = (2, 5)  # how many decoy digests, drawn in this range, per _sd array
    companion: str | None = None  # id of the type issued alongside, sharing this one's fate
    max_lifetime_days: int = 30
    # False for a companion: the record is its parent's, and only its birthdate is used here.
    takes_claims: bool = True

    def __post_init__(self) -> None:
        if self.disclosable & ALWAYS_PLAIN:
            raise ValueError(
                f"{self.id}: {sorted(self.disclosable & ALWAYS_PLAIN)} must never be disclosable"
            )

    @property
    def zone(self) -> ZoneInfo:
        """The agency's time zone. Raises zoneinfo.ZoneInfoNotFoundError for an unknown name."""
        return ZoneInfo(self.time_zone)  # ZoneInfo keeps one instance per name, so this is a lookup

    def local_date(self, moment: datetime) -> date:
        """The date at ``moment`` where the issuing agency is: ages and card days are counted there."""
        return moment.astimezone(self.zone).date()

    def vct(self, base_url: str) -> str:
        return f"{base_url}/vct/{self.vct_name}"

    @property
    def derived_claims(self) -> tuple[str, ...]:
        return tuple(f"age_over_{age}" for age in self.age_thresholds)


PERSON_LABELS = {"given_name": "Given name", "family_name": "Family name", "birthdate": "Date of birth"}
CARD_LABELS = {
    "card_number": "Card number",
    "issue_date": "Issued",
    "expiry_date": "Expires",
    "portrait": "Photo",
}
ADDRESS = {"address": "Address"}
AGES = (16, 18, 21, 65)
AGE_LABELS = {f"age_over_{age}": f"Over {age}" for age in AGES}
AGE_CLAIMS = frozenset(AGE_LABELS)

PROOF_OF_AGE = CredentialType(
    id="proof_of_age",
    vct_name="proof_of_age/v1",
    agency="transport",
    schema=ProofOfAgeClaims,
    time_zone=NSW,
    display=Display(
        "Proof of age",
        "Shows only whether you are over an age",
        "#1f4e79",
        "#ffffff",
        "/static/logos/transport.svg",
        "Transport Agency",
    ),
    labels=AGE_LABELS,
    disclosable=AGE_CLAIMS,
    age_thresholds=AGES,
    decoys=(0, 1),  # every digest is 32 bytes in the venue QR
    takes_claims=False,
)

DRIVER_LICENCE = CredentialType(
    id="driver_licence",
    vct_name="driver_licence/v1",
    agency="transport",
    schema=DriverLicenceClaims,
    time_zone=NSW,
    display=Display(
        "Driver licence",
        "Digital driver licence",
        "#00263e",
        "#ffffff",
        "/static/logos/transport.svg",
        "Transport Agency",
    ),
    labels={
        **PERSON_LABELS,
        **ADDRESS,
        "licence_number": "Licence number",
        **CARD_LABELS,
        "licence_class": "Class",
        "licence_type": "Licence type",
        "conditions": "Conditions",
        **AGE_LABELS,
    },
    disclosable=frozenset(
        {
            *PERSON_LABELS,
            "address",
            "licence_number",
            *CARD_LABELS,
            "licence_class",
            "licence_type",
            "conditions",
            *AGE_CLAIMS,
        }
    ),
    recursive=frozenset({"address"}),
    age_thresholds=AGES,
    companion="proof_of_age",
)

PHOTO_CARD = CredentialType(
    id="photo_card",
    vct_name="photo_card/v1",
    agency="transport",
    schema=PhotoCardClaims,
    time_zone=NSW,
    display=Display(
        "Photo card",
        "Digital photo card",
        "#0a7cb9",
        "#ffffff",
        "/static/logos/transport.svg",
        "Transport Agency",
    ),
    labels={**PERSON_LABELS, **ADDRESS, **CARD_LABELS, **AGE_LABELS},
    disclosable=frozenset({*PERSON_LABELS, "address", *CARD_LABELS, *AGE_CLAIMS}),
    recursive=frozenset({"address"}),
    age_thresholds=AGES,
    companion="proof_of_age",
)


def _seniors_card(type_id: str, name: str, description: str, colour: str) -> CredentialType:
    """The Seniors Card and the Senior Savers Card differ only in name, purpose and colour."""
    return CredentialType(
        id=type_id,
        vct_name=f"{type_id}/v1",
        agency="seniors",
        schema=SeniorsCardClaims,
        time_zone=NSW,
        display=Display(
            name, description, colour, "#ffffff", "/static/logos/seniors.svg", "Seniors Card Office"
        ),
        labels={**PERSON_LABELS, **CARD_LABELS, "age_over_60": "Over 60"},
        disclosable=frozenset({*PERSON_LABELS, *CARD_LABELS, "age_over_60"}),
        age_thresholds=(60,),
    )


SENIORS_CARD = _seniors_card("seniors_card", "Seniors Card", "For residents aged 60 and over", "#6b2c91")
SENIOR_SAVERS_CARD = _seniors_card(
    "senior_savers_card", "Senior Savers Card", "For seniors receiving a government pension", "#8a1538"
)

CATALOG: dict[str, CredentialType] = {
    t.id: t for t in (DRIVER_LICENCE, PHOTO_CARD, SENIORS_CARD, SENIOR_SAVERS_CARD, PROOF_OF_AGE)
}
