"""Marking read: one notification, or all of them up to now or up to a cursor; only ever the caller's own."""

from __future__ import annotations

import uuid

import pytest


def _listed(client, who, **query):
    response = client.get("/v1/notifications", query_string=query, headers=who.headers)
    assert response.status_code == 200, response.json
    return {item["id"]: item for item in response.json["notifications"]}


def test_marking_one_read_records_when(client, clock, alice, send):
    first, second = send(alice.account_id), send(alice.account_id)
    clock.advance(minutes=5)

    response = client.post(f"/v1/notifications/{first.id}/read", headers=alice.headers)

    assert response.status_code == 204
    listed = _listed(client, alice)
    assert listed[str(first.id)]["read_at"] == clock.now().isoformat()
    assert listed[str(second.id)]["read_at"] is None


def test_marking_read_again_keeps_the_first_time(client, clock, alice, send):
    notification = send(alice.account_id)
    client.post(f"/v1/notifications/{notification.id}/read", headers=alice.headers)
    first_read = clock.now().isoformat()
    clock.advance(minutes=5)  # access tokens last ten

    response = client.post(f"/v1/notifications/{notification.id}/read", headers=alice.headers)

    assert response.status_code == 204
    assert _listed(client, alice)[str(notification.id)]["read_at"] == first_read


def test_another_accounts_notification_is_not_found_and_stays_unread(client, alice, bob, send):
    alices = send(alice.account_id)

    response = client.post(f"/v1/notifications/{alices.id}/read", headers=bob.headers)

    assert response.status_code == 404
    assert response.json["code"] == "notification_not_found"
    assert _listed(client, alice)[str(alices.id)]["read_at"] is None


def test_an_unknown_notification_is_not_found(client, alice):
    response = client.post(f"/v1/notifications/{uuid.uuid4()}/read", headers=alice.headers)

    assert response.status_code == 404
    assert response.json["code"] == "notification_not_found"


def test_marking_all_read_marks_every_unread_one_and_counts_them(client, clock, alice, send):
    sent = [send(alice.account_id) for _ in range(3)]
    client.post(f"/v1/notifications/{sent[0].id}/read", headers=alice.headers)

    response = client.post("/v1/notifications/read", headers=alice.headers)

    assert response.status_code == 200
    assert response.json == {"marked": 2}
    assert all(item["read_at"] for item in _listed(client, alice).values())
    assert _listed(client, alice, unread="true") == {}


def test_marking_all_read_with_an_empty_object_marks_up_to_now(client, alice, send):
    send(alice.account_id)

    response = client.post("/v1/notifications/read", json={}, headers=alice.headers)

    assert response.status_code == 200
    assert response.json == {"marked": 1}


def test_marking_read_up_to_a_cursor_leaves_newer_ones_unread(client, alice, send):
    older = [send(alice.account_id) for _ in range(3)]
    seen = _listed(client, alice)[str(older[-1].id)]  # the newest the app has shown
    newer = [send(alice.account_id) for _ in range(2)]  # arrived after the app last looked

    response = client.post("/v1/notifications/read", json={"cursor": seen["cursor"]}, headers=alice.headers)

    assert response.status_code == 200
    assert response.json == {"marked": 3}
    assert set(_listed(client, alice, unread="true")) == {str(n.id) for n in newer}


def test_marking_all_read_never_touches_another_account(client, alice, bob, send):
    alices = send(alice.account_id)
    send(bob.account_id)
    alices_cursor = _listed(client, alice)[str(alices.id)]["cursor"]

    up_to_now = client.post("/v1/notifications/read", headers=bob.headers)
    with_alices_cursor = client.post(
        "/v1/notifications/read", json={"cursor": alices_cursor}, headers=bob.headers
    )

    assert up_to_now.json == {"marked": 1}
    assert with_alices_cursor.json == {"marked": 0}
    assert _listed(client, alice)[str(alices.id)]["read_at"] is None


def test_a_malformed_cursor_marks_nothing(client, alice, send):
    send(alice.account_id)

    response = client.post("/v1/notifications/read", json={"cursor": "bogus!"}, headers=alice.headers)

    assert response.status_code == 400
    assert response.json["code"] == "invalid_cursor"
    assert len(_listed(client, alice, unread="true")) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"cursor": 12}, 422, "validation_failed"),
        ({"before": "now"}, 422, "validation_failed"),
        ([], 422, "validation_failed"),
    ],
)
def test_a_bad_body_is_refused(client, alice, send, body, status, code):
    send(alice.account_id)

    response = client.post("/v1/notifications/read", json=body, headers=alice.headers)

    assert response.status_code == status
    assert response.json["code"] == code
    assert len(_listed(client, alice, unread="true")) == 1


def test_a_body_that_is_not_json_is_refused(client, alice):
    response = client.post(
        "/v1/notifications/read", data="cursor=x", content_type="text/plain", headers=alice.headers
    )

    assert response.status_code == 415
    assert response.json["code"] == "unsupported_media_type"


@pytest.mark.parametrize("path", ["/v1/notifications/read", f"/v1/notifications/{uuid.UUID(int=1)}/read"])
def test_marking_read_needs_a_logged_in_citizen(client, path):
    response = client.post(path)

    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"
