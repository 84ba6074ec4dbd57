"""The audit log: security events with actor, time and ids, kept even when the request fails, no secrets."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, agency_client, citizen, register
from wallet.audit.models import AuditEvent
from wallet.audit.service import Actor, record


def _events(rt, event=None):
    with rt.db.session() as session:
        query = select(AuditEvent).order_by(AuditEvent.occurred_at)
        if event:
            query = query.where(AuditEvent.event == event)
        return session.scalars(query).all()


def test_log_in_is_recorded_with_actor_time_and_session(client, rt, clock):
    tokens = citizen(client)

    [login] = _events(rt, "login")

    assert login.actor_type == "citizen"
    assert login.subject == ("session", tokens["session_id"])
    assert login.occurred_at == clock.now()
    assert login.client_address == "127.0.0.1"


def test_a_failed_log_in_is_recorded_although_the_request_fails(client, rt):
    register(client)

    client.post("/v1/sessions", json={"email": "citizen@example.org", "password": "wrong password!"})
    client.post("/v1/sessions", json={"email": "nobody@example.org", "password": "wrong password!"})

    # Told apart by what they say, not by their order: the frozen clock gives both the same time.
    by_known = {event.details["known_account"]: event for event in _events(rt, "login_failed")}
    assert sorted(by_known) == [False, True]
    assert by_known[True].details == {"known_account": True}
    assert by_known[False].details == {"known_account": False}
    assert by_known[False].subject_id is None


def test_refresh_token_reuse_is_recorded(client, rt):
    tokens = citizen(client)
    client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
    client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})

    [reuse] = _events(rt, "refresh_token_reused")

    assert reuse.subject == ("session", tokens["session_id"])


def test_agency_client_events_are_recorded(client, rt):
    creds = agency_client(rt)
    client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=creds.basic)
    client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(creds.client_id, "bad"))

    issued = _events(rt, "agency_token_issued")
    failed = _events(rt, "agency_client_auth_failed")

    assert [e.subject_id for e in issued] == [creds.client_id]
    assert [e.subject_id for e in failed] == [creds.client_id]


def test_no_secret_reaches_the_log(client, rt):
    tokens = citizen(client)
    client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
    creds = agency_client(rt)
    client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=creds.basic)

    dump = json.dumps([{**vars(e), "_sa_instance_state": None} for e in _events(rt)], default=str)

    for secret in (PASSWORD, tokens["refresh_token"], tokens["access_token"], creds.secret):
        assert secret not in dump


@pytest.mark.parametrize("name", ["password", "refresh_token", "client_secret", "key_passphrase"])
def test_recording_a_secret_looking_detail_is_refused(rt, name):
    with rt.db.session() as session, pytest.raises(ValueError, match="secrets"):
        record(session, event="x", actor=Actor("operator"), at=rt.clock.now(), **{name: "v"})
