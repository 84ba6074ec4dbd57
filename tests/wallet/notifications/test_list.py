"""GET /v1/notifications: newest first, keyset pages that new arrivals never shift, unread filter."""

from __future__ import annotations

import base64
import uuid

import pytest

from wallet.notifications.cursor import decode_cursor, encode_cursor


def _page(client, who, **query):
    response = client.get("/v1/notifications", query_string=query, headers=who.headers)
    assert response.status_code == 200, response.json
    return response.json


def _all_pages(client, who, cursor=None, **query):
    """Every id from ``cursor`` on (from the start without one), following next_cursor to the end."""
    ids = []
    while True:
        page = _page(client, who, **query, **({"cursor": cursor} if cursor else {}))
        ids += [item["id"] for item in page["notifications"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def _newest_first(notifications):
    return [str(n.id) for n in sorted(notifications, key=lambda n: (n.created_at, n.id), reverse=True)]


def test_a_notification_is_listed_with_what_happened_and_why(client, alice, send):
    sent = send(alice.account_id, data={"credential_id": "c-1"})

    page = _page(client, alice)

    assert page["next_cursor"] is None
    [item] = page["notifications"]
    assert item["id"] == str(sent.id)
    assert item["kind"] == "credential_suspended"
    assert item["title"] == "Your Driver Licence is suspended"
    assert item["reason"] == "because your demerit points reached 13"
    assert "because your demerit points reached 13" in item["body"]
    assert item["data"] == {"credential_id": "c-1"}
    assert item["created_at"] == sent.created_at.isoformat()
    assert item["read_at"] is None
    assert decode_cursor(item["cursor"]).id == sent.id


def test_pages_go_newest_first_without_duplicates_or_gaps(client, alice, send):
    sent = []
    for n in range(23):
        # Every third shares its predecessor's time, so the id must break ties for the order to hold.
        sent.append(send(alice.account_id, advance=0 if n % 3 == 2 else 1))

    first = _page(client, alice, limit=10)
    ids = _all_pages(client, alice, limit=10)

    assert len(first["notifications"]) == 10
    assert first["next_cursor"] is not None
    assert ids == _newest_first(sent)


def test_the_default_page_is_twenty(client, alice, send):
    for _ in range(21):
        send(alice.account_id)

    page = _page(client, alice)

    assert len(page["notifications"]) == 20
    assert page["next_cursor"] is not None


def test_a_last_page_that_is_exactly_full_has_no_next_cursor(client, alice, send):
    for _ in range(4):
        send(alice.account_id)

    page = _page(client, alice, limit=4)

    assert len(page["notifications"]) == 4
    assert page["next_cursor"] is None


def test_notifications_arriving_while_paging_do_not_shift_the_pages(client, alice, send):
    before = [send(alice.account_id) for _ in range(12)]
    first = _page(client, alice, limit=5)

    arrived = [send(alice.account_id) for _ in range(3)]
    rest = _all_pages(client, alice, limit=5, cursor=first["next_cursor"])

    seen = [item["id"] for item in first["notifications"]] + rest
    assert seen == _newest_first(before)
    assert [item["id"] for item in _page(client, alice, limit=3)["notifications"]] == _newest_first(arrived)


def test_unread_lists_only_unread_notifications_across_pages(client, alice, send):
    sent = [send(alice.account_id) for _ in range(7)]
    for notification in sent[::2]:
        assert (
            client.post(f"/v1/notifications/{notification.id}/read", headers=alice.headers).status_code == 204
        )

    unread = _all_pages(client, alice, unread="true", limit=2)

    assert unread == _newest_first(sent[1::2])
    assert len(_all_pages(client, alice, unread="false")) == 7


def test_a_citizen_sees_only_their_own_notifications(client, alice, bob, send):
    mine = send(bob.account_id)
    for _ in range(3):
        send(alice.account_id)
    alices_cursor = _page(client, alice, limit=1)["next_cursor"]

    assert [item["id"] for item in _page(client, bob)["notifications"]] == [str(mine.id)]
    # Alice's cursor is only a position: with it, Bob still sees nothing but his own.
    with_alices_cursor = _page(client, bob, cursor=alices_cursor)["notifications"]
    assert [item["id"] for item in with_alices_cursor] == [str(mine.id)]


def test_listing_needs_a_logged_in_citizen(client):
    response = client.get("/v1/notifications")

    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor!",
        "%%%",
        "A",  # not valid base64 at all (one character short of a byte)
        "x" * 81,
        _b64(b"hello"),
        _b64(b"\xff\xfe\xfd"),
        _b64(b"-1." + b"0" * 32),
        _b64(b"123." + b"g" * 32),
        _b64(b"123." + b"0" * 31),
        _b64(b"1" * 18 + b"." + b"0" * 32),
        _b64(b"123." + b"A" * 32),  # the id is always lower-case hex
    ],
)
def test_a_malformed_cursor_is_a_400_invalid_cursor(client, alice, cursor):
    response = client.get("/v1/notifications", query_string={"cursor": cursor}, headers=alice.headers)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"unread": "maybe"}, {"page": "2"}],
)
def test_bad_query_parameters_are_422(client, alice, query):
    response = client.get("/v1/notifications", query_string=query, headers=alice.headers)

    assert response.status_code == 422
    assert response.json["code"] == "validation_failed"


def test_the_cursor_round_trips_to_the_microsecond(clock):
    at = clock.now().replace(microsecond=123456)
    notification_id = uuid.uuid4()

    position = decode_cursor(encode_cursor(at, notification_id))

    assert (position.created_at, position.id) == (at, notification_id)
