"""The message templates: every credential event names the credential and carries the agency's why."""

from __future__ import annotations

import pytest

from wallet.notifications.messages import CREDENTIAL_MESSAGES, credential_event_message
from wallet.notifications.service import BODY_MAX, TITLE_MAX

KINDS = [
    "credential_issued",
    "credential_updated",
    "credential_suspended",
    "credential_revoked",
    "credential_reinstated",
    "credential_refresh_due",
]


def test_every_credential_event_has_a_template():
    assert sorted(CREDENTIAL_MESSAGES) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_message_names_the_credential_and_says_why(kind):
    title, body = credential_event_message(kind, "Driver Licence", "because your demerit points reached 13")

    assert "Driver Licence" in title
    assert "Driver Licence" in body
    assert "because your demerit points reached 13." in body


def test_the_suspension_message_reads_as_one_sentence():
    title, body = credential_event_message(
        "credential_suspended", "Driver Licence", "because your demerit points reached 13"
    )

    assert title == "Your Driver Licence is suspended"
    assert body.startswith("Your Driver Licence has been suspended because your demerit points reached 13. ")


def test_a_hand_typed_reason_is_tidied_not_doubled():
    _, body = credential_event_message("credential_revoked", "Photo Card", "  because you\n asked us to. ")

    assert "cancelled because you asked us to. It is" in body


def test_braces_in_what_agencies_type_are_text_not_placeholders():
    title, body = credential_event_message("credential_updated", "Card {reason}", "because {credential}")

    assert title == "Your Card {reason} has changed"
    assert "updated because {credential}." in body


@pytest.mark.parametrize("kind", KINDS)
def test_messages_fit_what_notify_accepts_with_the_longest_reason(kind):
    title, body = credential_event_message(kind, "Heavy Vehicle Driver Licence", "x" * 500)

    assert len(title) <= TITLE_MAX
    assert len(body) <= BODY_MAX


def test_an_event_with_no_template_is_a_programming_error():
    with pytest.raises(ValueError, match="credential_lost"):
        credential_event_message("credential_lost", "Driver Licence", "because")
