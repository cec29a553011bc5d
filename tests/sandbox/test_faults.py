"""Fault injection seen from an httpx client: drops are transport errors, never statuses."""

from __future__ import annotations

import httpx
import pytest

from sandbox import FaultSpecError, parse_faults


def _set_faults(box, spec: str) -> None:
    httpx.put(
        f"{box.base_url}/_sandbox/faults", json={"faults": spec}, timeout=5
    ).raise_for_status()


@pytest.fixture
def faulty(start_sandbox):
    return start_sandbox(seed_users=5, seed=2, rate_limit=1_000_000)


def _org(box) -> httpx.Client:
    return httpx.Client(
        base_url=f"{box.base_url}/v2/organizations/{box.org_id}",
        headers={"Authorization": f"Bearer {box.api_key}"},
        timeout=5,
    )


def test_reset_is_a_transport_error_and_nothing_is_applied(faulty) -> None:
    with _org(faulty) as api:
        _set_faults(faulty, "reset=1")
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            api.post("/users", json={"email": "reset@example.com"})
        _set_faults(faulty, "")
        assert api.get("/users", params={"emails": "reset@example.com"}).json()["data"] == []


def test_ambiguous_write_is_applied_but_the_response_is_lost(faulty) -> None:
    with _org(faulty) as api:
        _set_faults(faulty, "ambiguous=1")
        assert api.get("/users", params={"take": 1}).status_code == 200  # reads unaffected
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            api.post("/users", json={"email": "ambiguous@example.com"})
        _set_faults(faulty, "")
        found = api.get("/users", params={"emails": "ambiguous@example.com"}).json()["data"]
        assert [u["email"] for u in found] == ["ambiguous@example.com"]


def test_status_faults_replace_processing_and_still_count(faulty) -> None:
    with _org(faulty) as api:
        _set_faults(faulty, "503=1")
        response = api.post("/users", json={"email": "five03@example.com"})
        assert response.status_code == 503
        assert "X-RateLimit-Remaining-Default" in response.headers
        _set_faults(faulty, "none")
        assert api.get("/users", params={"emails": "five03@example.com"}).json()["data"] == []
    stats = httpx.get(f"{faulty.base_url}/_sandbox/stats", timeout=5).json()
    assert stats["faults"]["503"] == 1
    assert stats["by_status"]["503"] == 1


def test_hang_outlasts_a_client_timeout(faulty) -> None:
    _set_faults(faulty, "hang=1:3s")
    with _org(faulty) as api, pytest.raises(httpx.ReadTimeout):
        api.get("/attributes", timeout=0.5)
    _set_faults(faulty, "")


def test_reorder_shuffles_between_pages(faulty) -> None:
    with _org(faulty) as api:
        ordered = [m["id"] for m in api.get("/memberships").json()["data"]]
        _set_faults(faulty, "reorder=1,seed=9")
        pages = [
            api.get("/memberships", params={"take": 2, "skip": s}).json()["data"]
            for s in (0, 2, 4, 6)
        ]
        _set_faults(faulty, "")
    seen = [m["id"] for page in pages for m in page]
    assert seen != ordered[:8]
    assert set(seen) <= set(ordered)


def test_spec_parsing() -> None:
    spec = parse_faults("500=0.05,503=0.02,reset=0.05,latency=0.3:20-200ms,hang=0.01:30s,seed=4")
    assert spec.statuses == {"500": 0.05, "503": 0.02}
    assert (spec.latency_range, spec.hang_seconds, spec.seed) == ((0.02, 0.2), 30.0, 4)
    for bad in ("500=2", "teapot=0.1", "hang=0.1:forever", "reset"):
        with pytest.raises(FaultSpecError):
            parse_faults(bad)
