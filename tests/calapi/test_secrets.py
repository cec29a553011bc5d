"""Must show: the credential never appears in logs, exception text, reprs or stats."""

from __future__ import annotations

import logging

import pytest

from calapi import AmbiguousWrite, AuthError, CalApiError, CalClient, NotFound
from tests.calapi.conftest import set_faults, settings_for


def text_of(exc: CalApiError) -> str:
    return " ".join([str(exc), repr(exc), repr(exc.details), repr(exc.args), exc.message])


async def test_the_key_is_nowhere_in_logs_errors_or_stats(start_sandbox, caplog):
    box = start_sandbox(seed_users=3, seed=2, rate_limit=1_000_000)
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    wrong_key = "cal_" + "x" * 40
    seen: list[str] = []

    async with CalClient(settings_for(box, api_key=wrong_key)) as stranger:
        with pytest.raises(AuthError) as refused:
            await stranger.list_users()
        seen += [text_of(refused.value), repr(stranger.settings), repr(stranger)]
        assert refused.value.status == 401

    async with CalClient(settings_for(box)) as cal:
        with pytest.raises(NotFound) as missing:
            await cal.delete_membership(987654)
        seen.append(text_of(missing.value))
        set_faults(box, "ambiguous=1,seed=1")
        with pytest.raises(AmbiguousWrite) as ambiguous:
            await cal.create_user(email="ghost@example.com")
        set_faults(box, "")
        seen += [text_of(ambiguous.value), cal.stats.summary(), str(cal.stats.as_dict())]
        seen += [repr(cal.settings), repr(cal)]

    haystack = "\n".join([*seen, caplog.text])
    assert caplog.records, "nothing was logged: the check would be empty"
    for secret in (wrong_key, box.api_key, box.api_key.removeprefix("cal_")):
        assert secret not in haystack
