"""The refresh's terminal log (orchestration/terminal_log.py): a failed step says what failed, without the stack,
and the steps it stopped name it once."""

from __future__ import annotations

import dagster as dg

from orchestration.terminal_log import STACK_LEFT_OUT, terminal_logger


class ForceFileError(Exception):
    pass


@dg.op(out={"rows": dg.Out(), "rejects": dg.Out()})
def load_a_bad_file():
    raise ForceFileError("custody/E23000001/2024-05/may.csv: row 7, field detained_at: expected an ISO date")


@dg.op
def build_marts(rows, rejects):
    return rows, rejects


@dg.graph
def load_then_build():
    build_marts(*load_a_bad_file())


@dg.op
def caused_by_another():
    try:
        raise ValueError("the first cause")
    except ValueError as exc:
        raise RuntimeError("the step's own error") from exc


def _run(graph: dg.GraphDefinition, capfd) -> tuple[dg.ExecuteInProcessResult, str]:
    job = graph.to_job(logger_defs={"console": terminal_logger})
    result = job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}}, raise_on_error=False
    )
    return result, capfd.readouterr().err


def test_a_failed_step_is_logged_with_its_error_and_without_the_stack(capfd):
    result, err = _run(load_then_build, capfd)
    assert not result.success
    assert "Dependencies for step build_marts failed: ['load_a_bad_file']." in err, "each step named once"
    assert (
        "STEP_FAILURE" in err and "ForceFileError: custody/E23000001/2024-05/may.csv: row 7, field detained_at" in err
    )
    assert "Stack Trace" not in err and 'File "' not in err and STACK_LEFT_OUT.strip() in err
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_failure_data.error.stack, "the run's event log keeps the stack"


def test_each_cause_keeps_its_message(capfd):
    result, err = _run(dg.GraphDefinition(name="one_op", node_defs=[caused_by_another]), capfd)
    assert not result.success and "Stack Trace" not in err and 'File "' not in err
    assert "RuntimeError: the step's own error" in err and "ValueError: the first cause" in err
    assert "The above exception was caused by the following exception" in err
