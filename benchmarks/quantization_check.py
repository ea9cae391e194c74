"""Does the int8 accuracy check on validation predict what int8 costs on held-out data?

    python benchmarks/quantization_check.py [--runs runs/exp] [--recipes attn0_e7 lora_none]

For every trained run (``RUNS/RECIPE/seedN``, written by ``train_default.py``) this
measures the int8 macro-F1 drop three ways:

- on validation with the run's own calibration and thresholds (fitted on validation, so
  fp32 is scored at its in-sample optimum: the check used up to session 5);
- on validation, cross-fitted (`eventx.quantization.check_quantization`'s ``f1_drop``:
  calibration refitted on 4/5 of the articles, applied to the rest);
- on the test and test_unseen splits with the run's own calibration, which is what a
  user gets on text the calibration never saw.

The check is good when its validation number predicts the test-split numbers. Writes
``benchmarks/results/quantization_check.md`` and ``.json``. External benchmark data is not
read.
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from datetime import datetime, timezone
from pathlib import Path

import trained_runs

ROOT = Path(__file__).resolve().parent.parent
SCHEME = "int8"


def measure(run_dir: Path) -> dict[str, float]:
    """Int8 drops (points) of one run: own-calibration and cross-fitted on validation,
    own-calibration on test and test_unseen."""
    from eventx.corpus import corpus_file
    from eventx.pipeline import TruncationWarning, load
    from eventx.quantization import check_quantization

    extractor = load(run_dir, precision="fp32")
    row: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        for split in ("validation", "test", "test_unseen"):
            check = check_quantization(extractor, corpus_file(split), schemes=(SCHEME,))
            result = check.schemes[SCHEME]
            row[split] = round(100 * result["own_calibration_drop"], 2)
            if split == "validation":
                row["validation_cross_fitted"] = round(100 * result["f1_drop"], 2)
    row["held_out_mean"] = round((row["test"] + row["test_unseen"]) / 2, 2)
    return row


def render(rows: dict[str, dict[str, float]]) -> str:
    lines = [
        "# Int8 accuracy check: validation against held-out drops",
        "",
        f"Measured {datetime.now(timezone.utc).isoformat(timespec='seconds')}. Int8 macro-F1 "
        "drop in points (fp32 minus int8; negative: int8 scored higher). 'own' uses the "
        "run's calibration and thresholds, fitted on validation; 'cross-fitted' refits them "
        "on 4/5 of the validation articles and scores the other fifth (5 random fold "
        "splits). A check is good when its validation column predicts the held-out mean.",
        "",
        "| run | validation, own | validation, cross-fitted | test, own | test_unseen, own "
        "| held-out mean |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['validation']:.2f} | {r['validation_cross_fitted']:.2f} | "
                     f"{r['test']:.2f} | {r['test_unseen']:.2f} | {r['held_out_mean']:.2f} |")
    if rows:
        held = [r["held_out_mean"] for r in rows.values()]
        own = [r["validation"] - h for r, h in zip(rows.values(), held)]
        cross = [r["validation_cross_fitted"] - h for r, h in zip(rows.values(), held)]
        lines += [
            "",
            "Error of each validation measure against the held-out mean (points, mean "
            "and largest absolute):",
            "",
            f"- own calibration: {statistics.mean(own):+.2f}, {max(map(abs, own)):.2f}",
            f"- cross-fitted: {statistics.mean(cross):+.2f}, {max(map(abs, cross)):.2f}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "exp")
    parser.add_argument("--recipes", nargs="*", default=None,
                        help="recipe directories under --runs (default: all)")
    args = parser.parse_args(argv)
    return trained_runs.measure_all(trained_runs.find(args.runs, args.recipes), measure,
                                    render, "quantization_check")


if __name__ == "__main__":
    raise SystemExit(main())
