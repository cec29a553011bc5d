"""Bad input is a 400 in the real error envelope: never a 500, never a stored value that breaks
a later read (every case is followed by a full read of the users list)."""

from __future__ import annotations

import httpx
import pytest

BIG = 2**70


def _is_400_envelope(response: httpx.Response) -> dict:
    assert response.status_code == 400, (response.status_code, response.text[:300])
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] and body["error"]["message"]
    return body["error"]


def _users_still_read(owner: httpx.Client) -> None:
    response = owner.get("/users", params={"take": 1000})
    assert response.status_code == 200 and response.json()["data"]


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (b'{"email": "caf\xe9@example.com"}', "byte 14"),
        (b'{"email": "x@example.com", "bio": "\xff\xfe"}', "not valid UTF-8"),
        (b'{"email": "nan@example.com", "defaultScheduleId": NaN}', "NaN"),
        (b'{"email": "inf@example.com", "defaultScheduleId": 1e400}', "too large"),
        (b'{"email": "big@example.com", "defaultScheduleId": %d}' % BIG, "64-bit"),
        (b'{"email": "meta@example.com", "metadata": {"n": %d}}' % BIG, "metadata.n"),
        (b'{"email": "s@example.com", "bio": "\\ud800"}', "unpaired surrogate"),
    ],
    ids=["latin1", "ff-bytes", "nan", "overflow-float", "int-70-bits", "metadata", "surrogate"],
)
def test_bodies_nothing_could_store_are_400(owner: httpx.Client, content: bytes, names: str):
    response = owner.post("/users", content=content, headers={"content-type": "application/json"})
    assert names in _is_400_envelope(response)["message"]
    _users_still_read(owner)


@pytest.mark.parametrize(
    "params",
    [{"skip": "1e30"}, {"take": "1e30"}, {"skip": str(BIG)}, {"take": "-1"}, {"skip": "nan"}],
    ids=["skip-1e30", "take-1e30", "skip-70-bits", "take-negative", "skip-nan"],
)
def test_skip_and_take_out_of_range_are_400(owner: httpx.Client, params: dict) -> None:
    for path in ("/users", "/memberships", "/webhooks", "/teams"):
        _is_400_envelope(owner.get(path, params=params))
    if params != {"take": "-1"}:  # assigned lists are unbounded: Prisma reads take=-1 backwards
        attribute = owner.get("/attributes").json()["data"][0]
        path = f"/attributes/{attribute['id']}/options/assigned"
        _is_400_envelope(owner.get(path, params=params))


@pytest.mark.parametrize("team_ids", ["abc", "1,x", str(BIG), "٣"])
def test_non_numeric_ids_in_list_filters_are_400(owner: httpx.Client, team_ids: str) -> None:
    error = _is_400_envelope(owner.get("/users", params={"teamIds": team_ids}))
    assert error["details"]["errors"][0]["property"] == "teamIds"
    attribute = owner.get("/attributes").json()["data"][0]
    path = f"/attributes/{attribute['id']}/options/assigned"
    _is_400_envelope(owner.get(path, params={"teamIds": team_ids}))


@pytest.mark.parametrize("raw", ["١٢", "²", str(BIG), "1.5"])
def test_path_ids_that_are_not_64_bit_integers_are_400(owner: httpx.Client, raw: str) -> None:
    error = _is_400_envelope(owner.patch(f"/users/{raw}", json={"bio": "x"}))
    assert error["message"] == "Validation failed (numeric string is expected)"
