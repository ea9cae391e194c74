"""Measure every trained run (``RUNS/RECIPE/seedN``, written by ``train_default.py``) and
write one results table: the loop shared by the benchmarks that compare runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def find(runs: Path, recipes: Sequence[str] | None = None) -> list[Path]:
    """Trained run directories under ``runs``, in order; only ``recipes`` when given."""
    return sorted(p.parent for p in runs.glob("*/seed*/eventx_config.json")
                  if recipes is None or p.parent.parent.name in recipes)


def measure_all(
    run_dirs: list[Path],
    measure: Callable[[Path], Any],
    render: Callable[[dict[str, Any]], str],
    stem: str,
) -> int:
    """Measure each run, print and write ``results/STEM.md`` and ``.json``; exit status.

    Args:
        run_dirs: Trained run directories (see `find`).
        measure: One run's row, JSON-serialisable.
        render: The markdown report of all rows, keyed ``recipe/seedN``.
        stem: File name of the results, without suffix.
    """
    if not run_dirs:
        print("no trained runs found: train some with benchmarks/train_default.py",
              file=sys.stderr)
        return 1
    rows = {}
    for run_dir in run_dirs:
        name = f"{run_dir.parent.name}/{run_dir.name}"
        rows[name] = measure(run_dir)
        print(name, json.dumps(rows[name]), file=sys.stderr, flush=True)
    text = render(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.md").write_text(text)
    (RESULTS / f"{stem}.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(text)
    return 0
