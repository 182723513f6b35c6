"""The run log as `mhw refresh` prints it in the terminal: Dagster's coloured console log, with the stack traces of
failed steps left out. A failed step still says what failed (a dbt test, a blocking check, the error's message); the
run's event log in $MHW_HOME/dagster_home keeps each error whole, stack included, for `make dev`'s run page."""

from __future__ import annotations

import logging
import re

import dagster as dg

# "Stack Trace:" and the indented (or empty) lines after it, as Dagster writes an error (SerializableErrorInfo)
STACK_TRACE = re.compile(r"\nStack Trace:\n(?:[ \t][^\n]*\n?|\n)*")
STACK_LEFT_OUT = "\n(stack trace left out here: the Dagster UI shows it on the run's page, `make dev`)\n"


class LeaveOutStackTraces(logging.Filter):
    """Rewrites a record whose message holds a stack trace to the message without it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "\nStack Trace:\n" in message:
            record.msg, record.args = STACK_TRACE.sub(STACK_LEFT_OUT, message), None
        return True


@dg.logger(
    config_schema=dg.colored_console_logger.config_schema,
    description="Dagster's coloured console log without stack traces (the event log keeps them).",
)
def terminal_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    log = dg.colored_console_logger.logger_fn(init_context)
    log.addFilter(LeaveOutStackTraces())
    return log
