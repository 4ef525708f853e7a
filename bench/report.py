"""Benchmark results: one shape for every bench, printed as a table and saved as JSON/Markdown."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS_JSON = ROOT / "bench" / "results.json"
PERFORMANCE_MD = ROOT / "docs" / "performance.md"


@dataclass
class BenchResult:
    """One benchmark's outcome: a table for people, metrics and goals for machines."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    metrics: dict[str, float] = field(default_factory=dict)
    goals: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self) -> str:
        cells = [[str(c) for c in self.columns], *[[_fmt(v) for v in row] for row in self.rows]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join(lines)

    def markdown(self) -> str:
        header = "| " + " | ".join(self.columns) + " |"
        rule = "|" + "|".join("---" for _ in self.columns) + "|"
        body = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in self.rows]
        parts = [f"## {self.title}", "", header, rule, *body, ""]
        parts += [f"- goal: {goal}" for goal in self.goals.values()]
        parts += [f"- {note}" for note in self.notes]
        return "\n".join(parts) + "\n"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def machine() -> dict[str, Any]:
    import os

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def save(results: list[BenchResult]) -> None:
    """Merge into bench/results.json (by bench name) and rewrite docs/performance.md."""
    stored: dict[str, Any] = {}
    if RESULTS_JSON.exists():
        stored = json.loads(RESULTS_JSON.read_text())
    benches = stored.get("benches", {})
    for result in results:
        benches[result.name] = asdict(result)
    stored = {"machine": machine(), "benches": benches}
    RESULTS_JSON.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (scripts under `bench/`; raw figures in `bench/results.json`).",
        f"Machine: {stored['machine']['cpus']} CPUs ({stored['machine']['processor']}), "
        f"Python {stored['machine']['python']}, {stored['machine']['date']}.",
        "",
    ]
    for data in benches.values():
        lines.append(BenchResult(**data).markdown())
    PERFORMANCE_MD.parent.mkdir(parents=True, exist_ok=True)
    PERFORMANCE_MD.write_text("\n".join(lines))
