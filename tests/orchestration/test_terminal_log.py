"""The refresh's terminal log (orchestration/terminal_log.py): a failed step says what failed, without the stack."""

from __future__ import annotations

import dagster as dg

from orchestration.terminal_log import STACK_LEFT_OUT, terminal_logger


class ForceFileError(Exception):
    pass


@dg.op
def load_a_bad_file():
    raise ForceFileError("custody/E23000001/2024-05/may.csv: row 7, field detained_at: expected an ISO date")


@dg.op
def caused_by_another():
    try:
        raise ValueError("the first cause")
    except ValueError as exc:
        raise RuntimeError("the step's own error") from exc


def _run(op, capfd) -> tuple[dg.ExecuteInProcessResult, str]:
    job = dg.GraphDefinition(name="g", node_defs=[op]).to_job(logger_defs={"console": terminal_logger})
    result = job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}}, raise_on_error=False
    )
    return result, capfd.readouterr().err


def test_a_failed_step_is_logged_with_its_error_and_without_the_stack(capfd):
    result, err = _run(load_a_bad_file, capfd)
    assert not result.success
    assert (
        "STEP_FAILURE" in err and "ForceFileError: custody/E23000001/2024-05/may.csv: row 7, field detained_at" in err
    )
    assert "Stack Trace" not in err and 'File "' not in err and STACK_LEFT_OUT.strip() in err
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_failure_data.error.stack, "the run's event log keeps the stack"


def test_each_cause_keeps_its_message(capfd):
    result, err = _run(caused_by_another, capfd)
    assert not result.success and "Stack Trace" not in err and 'File "' not in err
    assert "RuntimeError: the step's own error" in err and "ValueError: the first cause" in err
    assert "The above exception was caused by the following exception" in err
