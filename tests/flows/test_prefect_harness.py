"""The pinned prefect/fastapi pair really starts Prefect's ephemeral API server."""

from prefect import flow, task


@task
def double(x: int) -> int:
    return 2 * x


@flow
def tiny_flow(x: int) -> int:
    return double(x) + 1


def test_trivial_flow_runs_through_the_ephemeral_server(prefect_harness: None) -> None:
    state = tiny_flow(20, return_state=True)
    assert state.is_completed()
    assert state.result() == 41
