"""The run log as `mhw refresh` prints it in the terminal: Dagster's coloured console log, with the stack traces of
failed steps left out and each step named once where Dagster lists the failed inputs of the steps not run (once per
asset: some 100 times 'dbt_models'). A failed step still says what failed (a dbt test, a blocking check, the error's
message); the run's event log in $MHW_HOME/dagster_home keeps each error whole, stack included, for `make dev`."""

from __future__ import annotations

import logging
import re

import dagster as dg

# "Stack Trace:" and the indented (or empty) lines after it, as Dagster writes an error (SerializableErrorInfo)
STACK_TRACE = re.compile(r"\nStack Trace:\n(?:[ \t][^\n]*\n?|\n)*")
STACK_LEFT_OUT = "\n(stack trace left out here: the Dagster UI shows it on the run's page, `make dev`)\n"
# "Dependencies for step serving_snapshot failed: ['dbt_models', 'dbt_models', ...]"
STEP_LIST = re.compile(r"(Dependencies for step \S+ (?:failed|were not executed): )\[([^\]]*)\]")


def _once_each(match: re.Match) -> str:
    names = dict.fromkeys(name.strip() for name in match[2].split(","))
    return f"{match[1]}[{', '.join(names)}]"


class TerminalMessages(logging.Filter):
    """Rewrites a record's message without stack traces and with each step of a list of steps named once."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shorter = STEP_LIST.sub(_once_each, STACK_TRACE.sub(STACK_LEFT_OUT, message))
        if shorter != message:
            record.msg, record.args = shorter, None
        return True


@dg.logger(
    config_schema=dg.colored_console_logger.config_schema,
    description="Dagster's coloured console log, shorter: no stack traces (the event log keeps them).",
)
def terminal_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    log = dg.colored_console_logger.logger_fn(init_context)
    log.addFilter(TerminalMessages())
    return log
