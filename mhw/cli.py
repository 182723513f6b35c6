"""`mhw`: the operator commands (synthetic data, refresh through Dagster, ledger status, rejects, publish)."""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Annotated

import typer

from . import atomic, manifest, writer_claim
from .refresh_inputs import LastRefresh, LedgerTotals, ledger_totals, note_unfinished_refresh
from .settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings, get_settings

BUSY = 3  # exit status when another process writes the warehouse and the command would not wait
DBT_CONSOLE = "console.log"  # under the home's dbt folder: what dbt printed in the last `mhw refresh`
NO_WAIT = typer.Option("--no-wait", help="Exit at once (status 3) instead of waiting while another process writes.")

app = typer.Typer(help="mh-policing-warehouse operator commands.", no_args_is_help=True, add_completion=False)


def _fail(message: str, status: int = 2) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(status)


def _note(message: str) -> None:
    typer.secho(message, fg=typer.colors.YELLOW, err=True)


@contextmanager
def _claimed(settings: Settings, command: str, no_wait: bool) -> Iterator[writer_claim.Claim]:
    """The writer claim for a command that writes the warehouse (docs/interfaces.md, "Writers"): it says at once
    whom it waits for, or exits with status 3 under --no-wait; a predecessor that died is reported and cleaned up
    after, and the next refresh then runs in full."""
    try:
        claim = writer_claim.acquire(settings, command, wait=not no_wait, on_wait=_note)
    except writer_claim.WarehouseBusy as exc:
        _fail(f"{exc.what}; not waiting (--no-wait)", BUSY)
    except OSError as exc:  # a read-only or missing home: nothing can be written there
        _fail(f"{command} cannot write in {settings.home}: {exc.strerror} ({exc.filename}); MHW_HOME must be a "
              "folder this user can write")  # fmt: skip
    try:
        if claim.previous:
            from .refresh_inputs import forget_last_refresh

            forget_last_refresh(settings, f"the previous writer, {claim.previous.describe()}, did not finish")
            if claim.previous.run_id:
                _release_dead_runs(settings, claim.previous, None)
            else:
                _note(f"note: the previous writer, {claim.previous.describe()}, died without finishing (killed?)")
        yield claim
    finally:
        writer_claim.release(claim)


def _release_dead_runs(
    settings: Settings, previous: writer_claim.Holder | None, own_run_id: str | None, instance=None
) -> None:
    """Fail the Dagster runs a dead writer left behind and free their pool slots, saying so (in `instance`, else in
    the Dagster instance of this MHW_HOME)."""
    import dagster as dg

    from orchestration.stale_runs import release_dead_runs

    if instance is None:
        prepare_dagster_home(settings)
        with dg.DagsterInstance.get() as instance:
            return _release_dead_runs(settings, previous, own_run_id, instance)
    for note in release_dead_runs(instance, previous, own_run_id):
        _note(f"note: {note}")


def _no_warehouse(settings: Settings) -> str:
    """What to do when the warehouse is missing: a mistyped MHW_HOME is as likely as a home never refreshed (and
    `make refresh` would fill a wrong home with demo data)."""
    return (
        f"no warehouse at {settings.warehouse}: check MHW_HOME ({settings.home}); if this is the right home, build it "
        "with `mhw refresh` (`make refresh` also writes demo data into an empty landing zone)"
    )


def _check_readable(settings: Settings) -> None:
    """Stop with a clear message when the warehouse is missing or a writer holds it (a read would meet its lock)."""
    if not settings.warehouse.exists():
        _fail(_no_warehouse(settings))
    holder = writer_claim.current_holder(settings)
    if holder:
        _fail(
            f"the warehouse is being written by {holder.describe()}: try again when it has finished "
            "(the app and analysts keep reading serving/current.duckdb meanwhile)",
            BUSY,
        )


@contextmanager
def _read_warehouse(settings: Settings):
    """A read-only connection to the warehouse, or a clear message when it is missing or being written."""
    import duckdb

    from .catalog import table_names

    _check_readable(settings)
    try:
        con = duckdb.connect(str(settings.warehouse), read_only=True)
    except duckdb.IOException:
        pid = writer_claim.duckdb_file_holder(settings.warehouse)
        who = f"pid {pid} ({writer_claim.process_name(pid)})" if pid else "another process"
        _fail(f"the warehouse file is open in {who}: try again when it is closed", BUSY)
    if "load_ledger" not in table_names(con, "raw"):
        con.close()
        _fail(f"the warehouse at {settings.warehouse} holds no load ledger: nothing was ever loaded into it. "
              "Build it with `mhw refresh`")  # fmt: skip
    try:
        yield con
    finally:
        con.close()


def _tool_env() -> dict[str, str]:
    """Environment for subprocesses: the venv's bin first on PATH (dagster-dbt runs `dbt` from PATH)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def prepare_dagster_home(settings: Settings) -> None:
    """DAGSTER_HOME must exist and hold the project's dagster.yaml, with the folder of its event log written in: an
    instance opened by path (DagsterInstance.from_config) then finds its runs without DAGSTER_HOME set."""
    import yaml

    home = settings.dagster_home
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    config["event_log_storage"]["config"] = {"base_dir": str(home / "history" / "runs")}  # Dagster's own place
    atomic.write_text(home / "dagster.yaml", yaml.safe_dump(config, sort_keys=False))  # a Dagster UI may read it
    os.environ["DAGSTER_HOME"] = str(home)


def dagster_home_for_dev() -> Path:
    """`make dev`: the Dagster instance `mhw refresh` uses in this MHW_HOME (or DAGSTER_HOME), prepared as it prepares
    it, so the UI shows the refreshes' runs and its runs are theirs."""
    settings = get_settings()
    prepare_dagster_home(settings)
    return settings.dagster_home


def prepare_manifest() -> None:
    """`dbt parse` writes target/manifest.json, which Dagster needs to load the dbt assets (skipped when current)."""
    try:
        manifest.prepare(_tool_env())
    except manifest.ManifestError as exc:
        _fail(str(exc))


@app.command()
def synth(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 42,
    years: Annotated[str, typer.Option(help="Financial years, comma separated.")] = (
        "2019-20,2020-21,2021-22,2022-23,2023-24,2024-25"
    ),
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Only write when the landing zone is empty.")] = False,
    published: Annotated[
        bool,
        typer.Option(
            "--published/--no-published",
            help="Also write the Home Office published tables (adr125_published) derived from the s136 files.",
        ),
    ] = True,
    months: Annotated[
        str, typer.Option(help="Months of the monthly force extracts (incidents, custody, ...), first:last.")
    ] = "2023-04:2025-03",
    dirt: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of rows planted with a data-quality fault (0 = none).")
    ] = 0.002,
    bad_files: Annotated[int, typer.Option(min=0, help="Whole bad files (re-sends) placed next to good ones.")] = 4,
    forces: Annotated[
        str | None, typer.Option(help="Only these force codes, comma separated (same files as a full run).")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
) -> None:
    """Write synthetic demo data: s136 records and monthly force extracts (incidents, incident totals, custody,
    street triage) in each force's own layout for 43 forces + BTP, published ADR tables, an inspections tracker,
    and the demo forces' scheme registers (where the demo plants RCRP and runs street triage)."""
    from demo.adr125_published import generate_adr125_published
    from demo.force_extracts import generate_national, parse_months
    from demo.inspections import generate_inspections
    from demo.s136 import landing_is_empty
    from demo.scheme_register import generate_scheme_registers
    from ingestion.gate.landing import period_kind

    settings = get_settings()
    if if_empty and not landing_is_empty(settings.landing_dir):
        typer.echo(f"landing zone {settings.landing_dir} already has files: no demo data written")
        return
    fys = tuple(y.strip() for y in years.split(","))
    for fy in fys:
        if period_kind(fy) != "financial_year":
            _fail(f"--years: '{fy}' is not a financial year like 2024-25")
    try:
        window = parse_months(months)
    except ValueError as exc:
        _fail(str(exc))
    only = tuple(f.strip() for f in forces.split(",")) if forces else None
    options = {"dirt": dirt, "bad_files": bad_files, "forces": only, "progress": progress}
    try:
        report = generate_national(settings.landing_dir, seed=seed, years=fys, months=window, **options)
    except ValueError as exc:
        _fail(str(exc))
    except OSError as exc:  # MHW_HOME a file, or a folder this user cannot write
        _fail(f"cannot write the demo landing zone: {exc.strerror} ({exc.filename})")
    settings.demo_marker.write_text(f"synthetic demo data, seed {seed}\n")
    typer.echo(f"wrote synthetic force extracts under {settings.landing_dir}: {report.describe()}")
    if published:
        sample = generate_adr125_published(settings.landing_dir, seed=seed, years=fys)
        typer.echo(
            f"wrote {len(sample.files)} published ADR s136 files under {settings.landing_dir / 'adr125_published'} "
            f"({sample.describe()})"
        )
    registers = generate_scheme_registers(settings.landing_dir, seed, window, forces=only)
    typer.echo(f"wrote {registers} synthetic scheme registers under {settings.landing_dir / 'scheme_register'}")
    tracker = generate_inspections(settings.landing_dir, seed=seed)
    typer.echo(f"wrote {tracker} synthetic inspection tracker files under {settings.landing_dir / 'inspections'}")


export_app = typer.Typer(help="Exports from the warehouse (read-only).", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("adr125")
def export_adr125_command(
    year: Annotated[str, typer.Option("--year", help="Financial year of the return, e.g. 2024-25.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default $MHW_HOME/exports/adr125/<year>).")
    ] = None,
) -> None:
    """Write the annual s136 return (ADR-125 items) per force as the Home Office asks for it, plus a combined file."""
    from .export import ExportError, export_adr125

    settings = get_settings()
    _check_readable(settings)
    try:
        result = export_adr125(settings.warehouse, year, out or settings.home / "exports" / "adr125" / year)
    except ExportError as exc:
        _fail(str(exc))
    except OSError as exc:  # --out an existing file, or a folder this user cannot write
        _fail(f"cannot write the return: {exc.strerror} ({exc.filename})")
    typer.echo(
        f"wrote the {result.financial_year} return for {result.forces} force(s) ({result.detentions} s136 detentions) "
        f"to {result.out_dir}; combined file {result.combined_file.name} "
        "(exact counts: restricted, not for publication)"
    )


@app.command()
def refresh(
    force: Annotated[
        bool, typer.Option("--force", help="Run even when no input changed since the last successful refresh.")
    ] = False,
    publish: Annotated[
        bool,
        typer.Option("--publish/--no-publish", help="Publish the serving snapshot at the end (CI: `mhw publish`)."),
    ] = True,
    no_wait: Annotated[bool, NO_WAIT] = False,
) -> None:
    """Full refresh through Dagster: ingestion -> dbt build (tests as checks) -> serving snapshot.

    When no landing file, public file or transformation code changed since the last successful refresh, it stops
    at once (nothing would load and the snapshot would be the same); --force runs it anyway. One writer at a time:
    while another refresh (or any warehouse writer) runs, it says for whom it waits, or exits with --no-wait.
    """
    import duckdb

    from ingestion.gate.pseudonymise import KeyMismatchError, MissingKeyError, check_key_matches, resolve_key
    from ingestion.gate.workers import configured_workers

    from .refresh_inputs import (
        code_fingerprint,
        inputs_fingerprint,
        last_refresh,
        record_refresh,
        unchanged_since_last_refresh,
    )

    settings = get_settings()
    if not settings.landing_dir.is_dir():  # a mistyped MHW_HOME would otherwise publish a warehouse of no deliveries
        _fail(
            f"no landing zone at {settings.landing_dir}: set MHW_HOME to the home whose landing/ folder holds the "
            "forces' deliveries, or create that folder to start a new home (`make demo-data` fills it with demo data)"
        )
    if settings.public_data_dir is not None and not settings.public_data_dir.is_dir():
        _fail(
            f"MHW_PUBLIC_DATA_DIR is {settings.public_data_dir}, which is not a folder: correct it, or unset it to "
            "refresh without the national public files (rates then divide by stand-in populations)"
        )
    try:
        configured_workers()  # a mistyped worker count is refused once, here, not by each source's step
        key, key_id = resolve_key(settings)
    except (MissingKeyError, ValueError) as exc:
        _fail(str(exc))
    with _claimed(settings, "mhw refresh", no_wait) as claim:
        if settings.warehouse.exists():  # the wrong key is refused once, here, before Dagster starts
            with duckdb.connect(str(settings.warehouse), read_only=True) as con:
                try:
                    check_key_matches(con, key, key_id)
                except KeyMismatchError as exc:
                    _fail(str(exc))
        fingerprint, code = inputs_fingerprint(settings), code_fingerprint()
        if not force and unchanged_since_last_refresh(settings, fingerprint):
            typer.echo(
                "nothing new since the last successful refresh (landing, public data and code unchanged): "
                f"nothing loaded; the serving snapshot stays {os.path.realpath(settings.current_snapshot)} "
                "(use --force to run anyway)"
            )
            return
        before = ledger_totals(settings)
        last, why = (None, "--force") if force else last_refresh(settings, code, before)
        landing, after = _run_refresh(settings, claim, publish, last, before, why)
        # unpublished (--no-publish, CI's order): the next refresh plans from here too, but is never "nothing new"
        record_refresh(settings, fingerprint if publish else None, code=code, landing=landing, ledger=after)


def _run_refresh(
    settings: Settings,
    claim: writer_claim.Claim,
    publish: bool,
    last: LastRefresh | None,
    before: LedgerTotals,
    why: str = "",
) -> tuple[dict[str, str], LedgerTotals]:
    """The refresh job through Dagster, in this process, under the caller's writer claim. Monthly sources run over
    the months changed since `last` (every month without it, for the reason `why`); `before`: the ledger's totals
    at the start. Returns the landing zone as planned from (digests per source and period, and of the public data
    folder) and the ledger's totals after."""
    prepare_dagster_home(settings)
    prepare_manifest()
    os.environ["PATH"] = _tool_env()["PATH"]

    import dagster as dg

    from orchestration.assets.publish import SERVING_SNAPSHOT
    from orchestration.definitions import asset_keys, defs
    from orchestration.refresh import REFRESH_JOB, plan_now
    from orchestration.terminal_log import terminal_logger

    plan, landing = plan_now(last)  # monthly sources: the partition range of the months to run
    since = f" (every month: {why})" if last is None else " (months new or changed since the last refresh)"
    typer.echo(plan.describe() + (since if plan.monthly_sources else ""))
    if not plan.national:
        typer.echo("national sources: the public data folder is as the last refresh found it, not run")
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if plan.changed_only:
        unaffected = len(plan.unaffected_models)
        typer.echo(f"dbt: {unaffected} models and seeds read none of the sources this refresh runs, not rebuilt")
    selection = plan.asset_selection(asset_keys)
    if not publish:
        selection = [k for k in (selection or asset_keys) if k != SERVING_SNAPSHOT]
    run_id = str(uuid.uuid4())
    claim.set_run(run_id)
    console = settings.dbt_dir / DBT_CONSOLE
    with dg.DagsterInstance.get() as instance, _dbt_console(console):
        _release_dead_runs(settings, None, run_id, instance)  # a slot left by a dead run would stall this run's steps
        job = defs.resolve_job_def(REFRESH_JOB).with_logger_defs({"console": terminal_logger})  # no stack traces
        result = job.execute_in_process(
            instance=instance,
            run_config=run_config,
            raise_on_error=False,
            run_id=run_id,
            tags=plan.tags(),
            asset_selection=selection,
        )
    failed_checks, warnings = _failed_checks(result.all_events)
    stopped = not result.success and interrupted(result.all_events)
    if not result.success or failed_checks:  # files loaded meanwhile: the next refresh runs in full and says why
        note_unfinished_refresh(
            settings, before, f"(Dagster run {result.run_id}) " + ("was interrupted" if stopped else "failed")
        )
    if stopped:
        _fail(
            f"refresh interrupted (Dagster run {result.run_id}): the serving snapshot is "
            f"{os.path.realpath(settings.current_snapshot)} (published whole or not at all); the files loaded so far "
            "stay loaded, and the next `mhw refresh` carries on from there",
            130,
        )
    if not result.success or failed_checks:
        lines = failure_lines(result.all_events, failed_checks, console)
        _fail(f"refresh failed (Dagster run {result.run_id}):\n" + "\n".join(lines))
    for warning in warnings:
        typer.secho(f"warning: check {warning}", fg=typer.colors.YELLOW, err=True)
    after = ledger_totals(settings)
    typer.echo(
        f"this refresh: {after.entries - before.entries} new ledger entries, "
        f"{after.rows_loaded - before.rows_loaded} rows loaded, "
        f"{after.rows_rejected - before.rows_rejected} rows rejected"
    )
    _print_status(settings)
    if not publish:
        typer.echo("not published (--no-publish): run `mhw publish` once the checks pass")
    else:
        typer.echo(f"serving snapshot: {os.path.realpath(settings.current_snapshot)}")
    return landing, after


@contextmanager
def _dbt_console(path: Path) -> Iterator[None]:
    """What this process prints while the refresh runs, into `path`. dagster-dbt echoes every line dbt prints to
    stdout (some 700 for a full build), for the Dagster UI's captured output; in the terminal they would bury the
    refresh's own progress lines (Dagster's log, on stderr), which report the dbt build as it goes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out, redirect_stdout(out):
        yield


def dbt_summary(console: Path) -> list[str]:
    """The end of what dbt printed in the console file, which says what failed or warned: from its last "Completed
    with ..." or "Encountered an error" line on, and where the whole of it is (nothing when dbt said neither)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", console.read_text()) if console.exists() else ""  # without dbt's colours
    lines = text.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith(("Completed with", "Encountered an error"))]
    if not starts:
        return []
    tail = [line for line in lines[starts[-1] :] if line.strip()]
    return ["dbt said:", *(f"  {line}" for line in tail), f"(the whole of dbt's output: {console})"]


def failure_lines(events, failed_checks: list[str], console: Path) -> list[str]:
    """What a failed refresh says: each failed step's error, its failed error-level checks, and dbt's summary
    (dbt_summary) when the dbt step is one that failed (after a build that passed with warnings, a later step's
    failure is not dbt's)."""
    from orchestration.dbt import dbt_models

    failures = [e for e in events if e.event_type_value == "STEP_FAILURE"]
    dbt_failed = any(e.step_key == dbt_models.op.name for e in failures)
    return [e.message for e in failures] + failed_checks + (dbt_summary(console) if dbt_failed else [])


def interrupted(events) -> bool:
    """Whether a run stopped because its process was interrupted (Ctrl-C, SIGINT)."""
    return any(
        e.event_type_value == "STEP_FAILURE"
        and e.event_specific_data.error is not None
        and e.event_specific_data.error.cls_name == "DagsterExecutionInterruptedError"
        for e in events
    )


def _failed_checks(events) -> tuple[list[str], list[str]]:
    """Failed asset checks of a run: (ERROR severity: the refresh fails, WARN severity: reported only)."""
    errors, warnings = [], []
    for event in events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION" or event.event_specific_data.passed:
            continue
        check = event.event_specific_data
        text = f"{check.asset_key.to_user_string()}: {check.check_name}"
        if check.description:
            text += f" ({check.description})"
        (warnings if check.severity.value == "WARN" else errors).append(text)
    return errors, warnings


def _print_status(settings: Settings, *, parts: bool = False, **only: str | None) -> None:
    """The ledger by source and status; with parts, the files in force per source, force and period."""
    from ingestion.gate.ledger import active_parts_by_period, withdrawal_note

    chosen = {name: value for name, value in only.items() if value}  # source, force_code, period
    where = " and ".join(f"{name} = ?" for name in chosen) or "true"
    with _read_warehouse(settings) as con:
        rows = con.execute(
            f"""
            select source, status, count(*) as files, sum(rows_read) as rows_read,
                   sum(rows_loaded) as rows_loaded, sum(rows_rejected) as rows_rejected
            from raw.load_ledger where {where}
            group by all order by all
            """,
            list(chosen.values()),
        ).fetchall()
        active = active_parts_by_period(con) if parts else None
        withdrawn = con.execute(
            f"select file_path, message from raw.load_ledger where status = 'withdrawn' and {where} order by all",
            list(chosen.values()),
        ).fetchall()
    narrowed = "".join(f", {name.replace('_code', '')} {value}" for name, value in chosen.items())
    typer.echo(f"load ledger (source, status, files, rows read, loaded, rejected{narrowed}):")
    for row in rows:
        typer.echo("  " + "  ".join(str(v) for v in row))
    if chosen and not rows:
        typer.echo("  no ledger entry matches: check the spelling (sources as `mhw status` lists them, force codes "
                   "like E23000001, periods like 2024-05 or 2024-25)")  # fmt: skip
    if active is None:
        return
    for name, value in chosen.items():
        active = active.filter(active[name] == value)
    typer.echo("files in force (source force period: parts, rows loaded each):")
    for (source, force, period), group in active.group_by(["source", "force_code", "period"], maintain_order=True):
        files = ", ".join(
            f"{path.rsplit('/', 1)[-1]} ({n})" for path, n in group.select("file_path", "rows_loaded").rows()
        )
        typer.echo(f"  {source} {force} {period}: {group.height} part(s): {files}")
    gone = _in_force_but_gone(settings, active.select("source", "file_path").rows())
    if gone:
        more = f" and {len(gone) - 5} more" if len(gone) > 5 else ""
        typer.echo(f"{len(gone)} file(s) in force are no longer in the landing zone (their rows still count; "
                   f"`mhw withdraw <path>` takes one out of force): {', '.join(gone[:5])}{more}")  # fmt: skip
    if withdrawn:
        typer.echo("files withdrawn (when, by whom and why):")
    for path, message in withdrawn:
        typer.echo(f"  {path}: {withdrawal_note(message) or message}")


@app.command()
def status(
    source: Annotated[str | None, typer.Option(help="Only this source (e.g. incidents).")] = None,
    force: Annotated[str | None, typer.Option("--force-code", help="Only this force (e.g. E23000001).")] = None,
    period: Annotated[str | None, typer.Option(help="Only this period (e.g. 2024-05).")] = None,
) -> None:
    """The load ledger by source and status, then the files in force (the parts) per source, force and period."""
    settings = get_settings()
    _print_status(settings, parts=True, source=source, force_code=force, period=period)
    not_data = _not_data(settings)
    if not_data:
        typer.echo(f"{len(not_data)} file(s) under the landing zone are not data and were left alone: `mhw rejects`")


def _landing_sources() -> set[str]:
    """The sources delivered through the landing zone (not the national public files)."""
    from orchestration.assets.ingestion import LANDING_SOURCES, MONTHLY_SOURCES

    return {*LANDING_SOURCES, *MONTHLY_SOURCES}


def _in_force_but_gone(settings: Settings, files: list[tuple[str, str]]) -> list[str]:
    """The landing files in force ((source, path) pairs) that are no longer in the landing zone."""
    landing = _landing_sources()
    return [path for source, path in files if source in landing and not (settings.landing_dir / path).exists()]


def _not_data(settings: Settings) -> list[tuple[str, str]]:
    """Hidden, temporary and system files under the landing zone (the only files without a ledger entry)."""
    from ingestion.gate.landing import scan_landing

    return scan_landing(settings.landing_dir, _landing_sources()).not_data


def _under_landing(settings: Settings, file: str) -> str:
    """A path as the ledger records it: under the landing zone (an absolute path into it is made relative). Its last
    part is not followed: a link in the landing zone is a delivery of its own folder, not of the file it points to."""
    given = Path(os.path.abspath(file))
    path = given.parent.resolve() / given.name
    if not Path(file).is_absolute() or not path.is_relative_to(settings.landing_dir):
        return file
    relative = path.relative_to(settings.landing_dir).as_posix()
    if relative == ".":
        return ""
    return relative + "/" if file.endswith("/") else relative


@app.command()
def rejects(
    limit: Annotated[int, typer.Option(min=0, help="Rows to show.")] = 50,
    file: Annotated[
        str,
        typer.Option(
            help="Only paths under the landing zone that start with this: a source, a force or one file "
            "(custody/, custody/E23000001/, custody/E23000001/2024-05/custody.csv)."
        ),
    ] = "",
) -> None:
    """List quarantined rows and files (file, row, field, reason) of the versions that stand (not those superseded
    or withdrawn since, nor a refusal of a file delivered again since), then files under the landing zone that are
    not data (hidden, temporary or system files), which are left alone."""
    settings = get_settings()
    file = _under_landing(settings, file)
    standing = (
        "from raw.rejected_rows where starts_with(file_path, ?) and load_id not in (select load_id from "
        "(select *, loaded_at < max(loaded_at) over (partition by file_path) as answered_since from raw.load_ledger) "
        "where status in ('superseded', 'withdrawn') or (status = 'rejected_file' and answered_since))"
    )
    with _read_warehouse(settings) as con:
        rows = con.execute(
            f"select file_path, row_number, field, reason {standing} order by file_path, row_number nulls first, "
            "field limit ?",
            [file, limit],
        ).fetchall()
        total = con.execute(f"select count(*) {standing}", [file]).fetchone()[0]
        unknown = con.execute(
            "select not exists (select 1 from raw.load_ledger where starts_with(file_path, ?))", [file]
        ).fetchone()[0]
    for file_path, row_number, field, reason in rows:
        where = f"row {row_number}" if row_number is not None else "whole file"
        said = reason if not field or reason.startswith(f"{field}:") else f"{field}: {reason}"
        typer.echo(f"{file_path}  {where}  {said}")
    under = f" under '{file}'" if file else ""
    more = f"; the first {len(rows):,} shown (--limit, --file)" if total > len(rows) else ""
    typer.echo(f"{total:,} rejected row entries{under} in all{more}")
    if unknown:
        typer.echo(f"  no ledger entry's path starts with '{file}': give it under the landing zone, as `mhw status` "
                   "shows it (custody/, custody/E23000001/2024-05/), or as an absolute path")  # fmt: skip
    for path, reason in _not_data(settings):
        typer.echo(f"{path}  not data, left alone: {reason}")


@app.command()
def withdraw(
    file: Annotated[str, typer.Argument(help="The file's path under the landing zone, as `mhw status` shows it.")],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn (recorded in the ledger).")],
    no_wait: Annotated[bool, NO_WAIT] = False,
) -> None:
    """Take a delivered file out of force: its rows stop counting from the next refresh (recorded in the ledger).

    The file may stay in the landing zone: the same bytes are not loaded again; new content under its name is a
    new delivery.
    """
    import duckdb

    from ingestion.gate.ledger import LedgerError
    from ingestion.gate.ledger import withdraw as withdraw_file

    settings = get_settings()
    if not settings.warehouse.exists():
        _fail(_no_warehouse(settings))
    if not reason.strip():
        _fail("--reason: say why the file is withdrawn (it is recorded in the ledger beside who withdrew it)")
    file = _under_landing(settings, file)
    with _claimed(settings, f"mhw withdraw {file}", no_wait):
        with duckdb.connect(str(settings.warehouse)) as con:
            try:
                con.execute("begin transaction")
                done = withdraw_file(con, file, reason, getpass.getuser())
                con.execute("commit")
            except LedgerError as exc:
                con.execute("rollback")
                _fail(str(exc))
        from .refresh_inputs import forget_last_refresh

        forget_last_refresh(settings, f"{file} was withdrawn since the last refresh ({reason})")
    typer.echo(
        f"withdrew {file} ({done.rows_loaded} rows of {done.source} {done.force_code} {done.period}); "
        "`mhw refresh` publishes the warehouse without it"
    )


@app.command()
def publish(
    previous: Annotated[
        Path | None, typer.Option(help="Compare with this snapshot file for the revisions (default: the current one).")
    ] = None,
    no_wait: Annotated[bool, NO_WAIT] = False,
) -> None:
    """Publish a serving snapshot from the warehouse as it stands (refresh does this itself)."""
    from .published import ManifestError, published_models
    from .serving import PublishError, publish_snapshot, require_checks_pass

    settings = get_settings()
    if not settings.warehouse.exists():  # a mistyped MHW_HOME: say so, and leave no folder or claim file there
        _fail(_no_warehouse(settings))
    with _claimed(settings, "mhw publish", no_wait):
        prepare_manifest()  # the disclosure rules publish checks come from the models' yml
        try:
            require_checks_pass(settings.warehouse, published_models())  # `mhw checks`, whatever ran before
            snapshot = publish_snapshot(settings.warehouse, settings.serving_dir, previous=previous, demo=settings.demo)
        except (PublishError, ManifestError) as exc:
            _fail(str(exc))
    typer.echo(snapshot.summary())


@app.command()
def checks() -> None:
    """Check the built warehouse before publishing: published columns match their contracts, every published model
    has a grain, the load ledger balances."""

    from .checks import warehouse_problems
    from .published import ManifestError, published_models

    settings = get_settings()
    try:
        models = published_models()
    except ManifestError as exc:
        _fail(str(exc))
    with _read_warehouse(settings) as con:  # a clear message, not DuckDB's lock error, while a writer works
        found = warehouse_problems(con, models)
    for name, problems in found.items():
        typer.echo(f"{'FAIL' if problems else 'ok  '} {name}")
        for problem in problems:
            typer.echo(f"     {problem}")
    if any(found.values()):
        _fail("checks failed: nothing should be published until they pass")


@app.command()
def docs(no_wait: Annotated[bool, NO_WAIT] = False) -> None:
    """Build the dbt documentation site (lineage from the sources to every published mart) into $MHW_HOME/docs."""
    settings = get_settings()
    out = settings.home / "docs"
    cmd = ["dbt", "docs", "generate", "--static", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
           str(DBT_PROJECT_DIR), "--target-path", str(out)]  # fmt: skip
    with tempfile.TemporaryDirectory() as spare, _claimed(settings, "mhw docs", no_wait):
        warehouse = settings.warehouse
        if not warehouse.exists():  # lineage and docs without column types and row counts; dbt opens a warehouse
            cmd.append("--empty-catalog")  # all the same, so one that goes away (not an empty file in the home)
            warehouse = Path(spare) / settings.warehouse.name
        env = {**_tool_env(), "MHW_WAREHOUSE": str(warehouse)}
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        _fail(f"dbt docs generate failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    if "--empty-catalog" in cmd:  # said, so that a mistyped MHW_HOME is not mistaken for a warehouse with no tables
        _note(
            f"no warehouse at {settings.warehouse}: the docs hold the lineage and definitions without column types "
            f"or row counts (check MHW_HOME ({settings.home}) if a refreshed warehouse was expected)"
        )
    typer.echo(f"dbt docs: {out / 'static_index.html'} (one file), or serve {out}/index.html with its json files")


@export_app.command("publication")
def export_publication_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write serving/, revisions/ and dbt-docs/ into.")],
) -> None:
    """Copy the current publication into plain files for upload: the snapshot, its revisions (CSV) and dbt docs."""
    from .serving import PublishError, export_publication

    settings = get_settings()
    try:
        written = export_publication(settings.serving_dir, settings.home / "docs", out)
    except PublishError as exc:
        _fail(str(exc))
    except OSError as exc:  # --out an existing file, or a folder this user cannot write
        _fail(f"cannot write the publication to {out}: {exc.strerror} ({exc.filename})")
    for path in written:
        typer.echo(f"wrote {path}")
    if not (settings.home / "docs" / "static_index.html").exists():
        _note("note: no dbt docs site in this home, so none was exported (`mhw docs` builds it)")


@app.command()
def plan(
    base: Annotated[
        str | None,
        typer.Option(help="Compare with this git revision or project folder (default: where this branch left main)."),
    ] = None,
) -> None:
    """SQLMesh change review: which published marts a change to the dbt models touches, breaking or not."""
    from .change_review import ReviewError, format_review, review_change

    try:
        review = review_change(get_settings(), base)
    except ReviewError as exc:
        _fail(str(exc))
    typer.echo(format_review(review))


def main() -> None:
    """The `mhw` command: the app, then the process ends without tearing down the libraries it loaded (about 1 s;
    mhw/process_exit.py). Tests call `app` itself."""
    from .process_exit import run_then_exit

    run_then_exit(app)


if __name__ == "__main__":
    main()
