"""Synthetic inspection findings tracker: monthly status snapshots under landing/inspections/national/<YYYY-MM>/.

A SYNTHETIC SAMPLE for the demo and the tests. Every report title, finding and text below is generic, written for
this project and labelled "(synthetic sample)": none is a quotation of, or attributed to, a real inspection report,
and the grades and statuses are random draws (deterministic by seed), not any force's real results.

What it writes (methods.md §3.3, §8.2): for each of the 43 territorial forces a PEEL report on the vulnerability /
mental health pillar with a grade, areas for improvement (AFIs), sometimes a cause of concern with its
recommendations, sometimes innovative practice; plus two national thematic reports whose recommendations carry no
force. Every finding maps to one of the five NPCC objectives (methods.md §8.4). One CSV per month holds every
finding published by then with its status as assessed that month: open -> in_progress -> complete for some,
ageing open items for others, a few national items superseded. Grade and innovative-practice rows have nothing
to action and are recorded as 'complete'.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from mhw.settings import SEEDS_DIR

SOURCE = "inspections"
DEFAULT_MONTHS = ("2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03")
REVIEW_DAY = 28  # the tracker is reviewed on the 28th of each month (status_on)
COLUMNS = [
    "finding_id", "inspectorate", "report_id", "report_title", "published_on", "inspection_type", "force_code",
    "pillar", "finding_type", "grade", "text", "npcc_objective", "status", "status_on", "evidence_url",
]  # fmt: skip
LABEL = "[synthetic] "
PILLAR = "protecting vulnerable people (mental health)"
GRADES = (["outstanding", "good", "adequate", "requires_improvement", "inadequate"], [0.05, 0.30, 0.35, 0.24, 0.06])
PEEL_FROM, PEEL_TO = date(2023, 5, 1), date(2025, 2, 28)  # force PEEL reports are published in this window

# (text, NPCC objective): 1 oversight/escalation, 2 data & information, 3 prevention, 4 benchmarking, 5 CJ/diversion.
AFI_TEXTS = [
    ("The force should improve how it identifies and records mental health vulnerability at first contact.", 2),
    ("The force should make sure officers can get timely advice from mental health professionals before using "
     "section 136.", 4),
    ("The force should work with ambulance and health partners to reduce how often people in mental health crisis "
     "are conveyed in police vehicles.", 4),
    ("The force should understand repeat demand from people with mental ill health and agree prevention plans with "
     "partners.", 3),
    ("The force should monitor its use of mental health powers by ethnicity and act on any disproportionality it "
     "finds.", 3),
    ("The force should make sure senior leaders have clear oversight of mental health demand and escalate "
     "unresolved partnership issues.", 1),
    ("The force should make sure people with mental ill health in custody are referred to liaison and diversion "
     "services.", 5),
    ("The force should improve the completeness and accuracy of the mental health data it returns nationally.", 2),
    ("The force should review how calls about concern for welfare are assessed so that each is handled by the right "
     "agency.", 1),
    ("The force should make sure a police station is used as a place of safety only in the circumstances the law "
     "allows, and that each use is recorded.", 4),
    ("The force should make sure vulnerable suspects with mental health needs are supported through the criminal "
     "justice process.", 5),
]  # fmt: skip
CONCERN_TEXT = (
    "The force does not have effective enough arrangements to identify and safeguard people with mental ill health "
    "who come into contact with it."
)
CONCERN_RECOMMENDATIONS = [
    ("Within six months, the force should review its mental health triage arrangements with health partners.", 4),
    ("Within six months, the force should put in place governance to oversee mental health demand and outcomes.", 1),
    ("Within six months, the force should improve its recording of mental health flags so it understands demand.", 2),
    ("Within six months, the force should agree with partners how people in repeated crisis are supported.", 3),
]
INNOVATIVE_TEXTS = [
    ("The force runs a joint response with mental health practitioners that partners review together.", 4),
    ("The force shares a regular review of mental health detentions with health partners to learn from each case.", 2),
    ("The force works with partners to divert people with mental health needs away from prosecution where "
     "appropriate.", 5),
]  # fmt: skip


@dataclass(frozen=True)
class ThematicReport:
    report_id: str
    inspectorate: str
    inspection_type: str
    title: str
    published_on: date
    recommendations: tuple[tuple[str, int], ...]


THEMATIC_REPORTS = (
    ThematicReport(
        "THEMATIC-2018-MH",
        "HMICFRS",
        "thematic",
        "Thematic inspection of policing and mental health (synthetic sample)",
        date(2018, 11, 15),
        (
            ("National bodies should agree a shared way of measuring mental health demand on police and health "
             "services.", 2),
            ("Health and police partners should make sure enough health-based places of safety are available so "
             "that police cells are not used.", 4),
            ("Chief constables should review how calls about people in mental health crisis are assessed in control "
             "rooms.", 1),
            ("Policing leads should work with criminal justice partners so that people with mental ill health are "
             "diverted where appropriate.", 5),
            ("Forces and partners should share information to prevent repeated crises for people who call often.", 3),
            ("The national policing lead should monitor progress on these recommendations and escalate delays.", 1),
        ),
    ),
    ThematicReport(
        "JOINT-2024-MH-CJ",
        "joint",
        "joint",
        "Joint thematic inspection of mental health across the criminal justice system (synthetic sample)",
        date(2024, 6, 20),
        (
            ("Criminal justice agencies should record mental health needs consistently and share them at each "
             "stage.", 2),
            ("Police and health partners should make liaison and diversion assessment available in every custody "
             "suite.", 5),
            ("Partners should agree local measures of outcomes for people with mental health needs and publish "
             "them.", 4),
            ("Partners should act early for people at risk of repeat contact with police because of mental ill "
             "health.", 3),
            ("Each area should have a named senior lead who escalates unresolved gaps in mental health provision.", 1),
        ),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    finding_id: str
    inspectorate: str
    report_id: str
    report_title: str
    published_on: date
    inspection_type: str
    force_code: str  # '' for a national finding
    finding_type: str
    grade: str
    text: str
    npcc_objective: int
    progress_on: date | None = None  # first day the status is in_progress
    complete_on: date | None = None
    superseded_on: date | None = None

    def status_at(self, day: date) -> str:
        if self.finding_type in {"grade", "innovative_practice"}:
            return "complete"
        if self.superseded_on and day >= self.superseded_on:
            return "superseded"
        if self.complete_on and day >= self.complete_on:
            return "complete"
        if self.progress_on and day >= self.progress_on:
            return "in_progress"
        return "open"


def territorial_forces() -> list[tuple[str, str]]:
    """(force_code, force_name) of the 43 territorial forces, from seeds/ref_force.csv."""
    with open(SEEDS_DIR / "ref_force.csv", encoding="utf-8") as fh:
        return [(r["force_code"], r["force_name"]) for r in csv.DictReader(fh) if r["is_territorial"] == "true"]


def _timeline(
    rng: np.random.Generator, published: date, stall: float, never_complete: float
) -> tuple[date | None, date | None]:
    """When an actionable finding moves to in_progress and to complete (None: not in the horizon)."""
    if rng.random() < stall:
        return None, None  # an ageing open item
    progress = published + timedelta(days=int(rng.exponential(75)) + 14)
    if rng.random() < never_complete:
        return progress, None
    return progress, progress + timedelta(days=int(rng.exponential(200)) + 30)


def _force_findings(rng: np.random.Generator, code: str, name: str) -> list[Finding]:
    span = (PEEL_TO - PEEL_FROM).days
    published = PEEL_FROM + timedelta(days=int(rng.integers(span + 1)))
    report_id = f"PEEL-2023-25-{code}"
    base = dict(
        inspectorate="HMICFRS",
        report_id=report_id,
        report_title=f"PEEL 2023-25 inspection of {name} (synthetic sample)",
        published_on=published,
        inspection_type="PEEL",
        force_code=code,
    )
    grade = str(rng.choice(GRADES[0], p=GRADES[1]))
    grade_objective = 1  # the grade is an oversight signal
    out = [
        Finding(
            f"{report_id}-G",
            **base,
            finding_type="grade",
            grade=grade,
            text=f"{LABEL}Grade for {PILLAR}.",
            npcc_objective=grade_objective,
        )
    ]
    weak = GRADES[0].index(grade) >= 3
    n_afi = int(rng.integers(1, 3)) + (1 if weak else 0)
    for i, k in enumerate(rng.choice(len(AFI_TEXTS), n_afi, replace=False), start=1):
        text, objective = AFI_TEXTS[int(k)]
        progress, complete = _timeline(rng, published, stall=0.2, never_complete=0.2)
        out.append(Finding(f"{report_id}-AFI{i}", **base, finding_type="AFI", grade="", text=LABEL + text,
                           npcc_objective=objective, progress_on=progress, complete_on=complete))  # fmt: skip
    if weak or rng.random() < 0.1:
        out.append(Finding(f"{report_id}-CC1", **base, finding_type="cause_of_concern", grade="",
                           text=LABEL + CONCERN_TEXT, npcc_objective=1,
                           progress_on=published + timedelta(days=30)))  # fmt: skip
        picks = rng.choice(len(CONCERN_RECOMMENDATIONS), int(rng.integers(1, 3)), replace=False)
        for j, k in enumerate(picks, start=1):
            text, objective = CONCERN_RECOMMENDATIONS[int(k)]
            progress, complete = _timeline(rng, published, stall=0.1, never_complete=0.2)
            out.append(Finding(f"{report_id}-CC1-R{j}", **base, finding_type="recommendation", grade="",
                               text=LABEL + text, npcc_objective=objective, progress_on=progress,
                               complete_on=complete))  # fmt: skip
    if grade in {"outstanding", "good"} and rng.random() < 0.5:
        text, objective = INNOVATIVE_TEXTS[int(rng.integers(len(INNOVATIVE_TEXTS)))]
        out.append(Finding(f"{report_id}-IP1", **base, finding_type="innovative_practice", grade="",
                           text=LABEL + text, npcc_objective=objective))  # fmt: skip
    return out


def _thematic_findings(rng: np.random.Generator) -> list[Finding]:
    out = []
    for report in THEMATIC_REPORTS:
        old = report.published_on.year < 2020
        for i, (text, objective) in enumerate(report.recommendations, start=1):
            progress, complete = _timeline(rng, report.published_on, stall=0.15, never_complete=0.25)
            superseded = None
            if old and complete is None and rng.random() < 0.4:
                # overtaken by the later joint inspection's recommendations
                superseded = THEMATIC_REPORTS[-1].published_on + timedelta(days=int(rng.integers(30, 150)))
            out.append(
                Finding(
                    f"{report.report_id}-R{i}",
                    inspectorate=report.inspectorate,
                    report_id=report.report_id,
                    report_title=report.title,
                    published_on=report.published_on,
                    inspection_type=report.inspection_type,
                    force_code="",
                    finding_type="recommendation",
                    grade="",
                    text=LABEL + text,
                    npcc_objective=objective,
                    progress_on=progress,
                    complete_on=complete,
                    superseded_on=superseded,
                )
            )
    return out


def inspection_findings(seed: int = 42) -> list[Finding]:
    """Every synthetic finding with its status timeline (deterministic by seed)."""
    findings = _thematic_findings(np.random.default_rng([seed, 40]))
    for f, (code, name) in enumerate(territorial_forces()):
        findings += _force_findings(np.random.default_rng([seed, 41, f]), code, name)
    return findings


def review_date(month: str) -> date:
    """The day the tracker was reviewed in a 'YYYY-MM' month (status_on of every row of that snapshot)."""
    year, mon = (int(x) for x in month.split("-"))
    return date(year, mon, REVIEW_DAY)


def snapshot_rows(findings: list[Finding], month: str) -> list[dict[str, str]]:
    """The tracker as reviewed in `month`: every finding published by the review date, with its status then."""
    day = review_date(month)
    return [
        {
            "finding_id": f.finding_id,
            "inspectorate": f.inspectorate,
            "report_id": f.report_id,
            "report_title": f.report_title,
            "published_on": f.published_on.isoformat(),
            "inspection_type": f.inspection_type,
            "force_code": f.force_code,
            "pillar": PILLAR if f.inspection_type == "PEEL" else "",
            "finding_type": f.finding_type,
            "grade": f.grade,
            "text": f.text,
            "npcc_objective": str(f.npcc_objective),
            "status": f.status_at(day),
            "status_on": day.isoformat(),
            "evidence_url": "",
        }
        for f in findings
        if f.published_on <= day
    ]


def generate_inspections(landing_dir: Path | str, seed: int = 42, months: tuple[str, ...] = DEFAULT_MONTHS) -> int:
    """Write one snapshot CSV per month to landing/inspections/national/<YYYY-MM>/; returns files written."""
    landing_dir = Path(landing_dir)
    findings = inspection_findings(seed)
    for month in months:
        out = landing_dir / SOURCE / "national" / month / f"inspections_national_{month}.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(snapshot_rows(findings, month))
    return len(months)
