"""Compare training recipes (context, LoRA vs full fine-tuning, frozen layers) on the corpus.

    python benchmarks/train_default.py --seeds 0 --no-ship --work runs/exp/NAME \
        --epochs 6 --lr 2e-4 --adapter lora --context previous
    python benchmarks/recipes.py [--runs runs/exp] [--rescore] [--int8] [--note "..."]

Reads every ``RUNS/NAME/seedN/scores.json`` written by ``train_default.py`` and prints a
table of validation / test / test_unseen macro-F1, the training sentences, the minutes
each run trained, seconds per epoch and the size of the saved weights; writes
``benchmarks/results/recipes.md`` and ``recipes.json``. Runs are local (``runs/`` is not
in git), so rows already in ``recipes.json`` whose runs are not on this machine are kept.
``--rescore`` first recalibrates every run twice on the validation split, with
temperatures only and with rule fusion (`eventx.fusion`), and scores both, so the table
also shows what fusion adds. Recipes are chosen on validation and test_unseen
only: nothing here reads external benchmark data.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results"
SPLITS = ("validation", "test", "test_unseen")
WEIGHT_FILES = ("adapter_model.safetensors", "model.safetensors")


def _weights_mb(run_dir: Path) -> float:
    return sum((run_dir / f).stat().st_size for f in WEIGHT_FILES if (run_dir / f).exists()) / 1e6


def _seconds_per_epoch(run_dir: Path) -> float | None:
    config = json.loads((run_dir / "eventx_config.json").read_text())
    history = config.get("training", {}).get("history", [])
    return statistics.mean(r["seconds"] for r in history) if history else None


def rescore(runs: Path) -> None:
    """Recalibrate each run with temperatures only, then with fusion, scoring both
    (runs rescored before are skipped)."""
    from train_default import score

    from eventx.corpus import corpus_file
    from eventx.trainer import recalibrate

    for scores_path in sorted(runs.glob("*/seed*/scores.json")):
        run_dir = scores_path.parent
        if (run_dir / "scores_temperature.json").exists():
            continue  # rescored already
        kept = {k: v for k, v in json.loads(scores_path.read_text()).items()
                if k in ("minutes", "recipe")}
        for fusion, name in ((False, "scores_temperature.json"), (True, "scores.json")):
            recalibrate(run_dir, corpus_file("validation"), rule_fusion=fusion)
            result = {**score(run_dir), **kept}
            (run_dir / name).write_text(json.dumps(result, indent=2) + "\n")
        print(f"rescored {run_dir}", file=sys.stderr)


def check_int8(runs: Path) -> None:
    """Record each run's int8 accuracy check (`eventx.quantization`) in its directory, as
    shipping does: whether int8 keeps validation macro-F1 within the bound decides the
    precision a shipped model runs in (runs checked before by the same method are
    skipped)."""
    from eventx.quantization import (
        QuantizationCheck,
        check_quantization,
        record_check,
        recorded_check,
    )

    method = QuantizationCheck.method
    for scores_path in sorted(runs.glob("*/seed*/scores.json")):
        run_dir = scores_path.parent
        if (recorded_check(run_dir) or {}).get("method") != method:
            record_check(run_dir, check_quantization(run_dir))
            print(f"checked int8 of {run_dir}", file=sys.stderr)


def _int8_drops(run_dirs: list[Path]) -> list[float]:
    """Validation macro-F1 points lost in int8, for the runs whose check is recorded."""
    from eventx.quantization import recorded_check

    checks = [recorded_check(d) for d in run_dirs]
    return [100 * c["schemes"]["int8"]["f1_drop"] for c in checks if c is not None]


def collect(runs: Path) -> list[dict]:
    """One row per recipe directory, with the scores of each of its seeds."""
    rows = []
    for recipe_dir in sorted(p for p in runs.iterdir() if p.is_dir()):
        seeds = sorted(recipe_dir.glob("seed*/scores.json"))
        if not seeds:
            continue
        scores = [json.loads(s.read_text()) for s in seeds]
        plain = [s.parent / "scores_temperature.json" for s in seeds]
        unseen_plain = [json.loads(p.read_text())["test_unseen"]["macro_f1"]
                        for p in plain if p.exists()]
        first = seeds[0].parent
        config = json.loads((first / "eventx_config.json").read_text())
        training = config.get("training", {})
        rows.append({
            "name": recipe_dir.name,
            "adapter": training.get("adapter"),
            "context": training.get("context"),
            "frozen_layers": training.get("frozen_layers", 0),
            "dropout": training.get("dropout"),
            "attention_dropout": training.get("attention_dropout"),
            "epochs": training.get("epochs"),
            "best_epoch": training.get("best_epoch"),
            "learning_rate": training.get("learning_rate"),
            "seeds": len(scores),
            "train_sentences": training.get("train_sentences"),
            **{s: [r[s]["macro_f1"] for r in scores] for s in SPLITS},
            "test_unseen_temperature_only": unseen_plain,
            "minutes": [r.get("minutes") for r in scores],
            "seconds_per_epoch": _seconds_per_epoch(first),
            "weights_mb": round(_weights_mb(first), 1),
            "int8_drop_points": _int8_drops([s.parent for s in seeds]),
        })
    return rows


def merge(kept: list[dict], new: list[dict]) -> list[dict]:
    """``kept`` rows in their order, each replaced by the ``new`` row of the same recipe
    when there is one, then the other ``new`` rows."""
    fresh = {r["name"]: r for r in new}
    merged = [fresh.pop(r["name"], r) for r in kept]
    return merged + [r for r in new if r["name"] in fresh]


def _cell(values: list[float], digits: int = 3) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def render(rows: list[dict], note: str) -> str:
    lines = [
        "# Training recipes",
        "",
        f"Measured {datetime.now(timezone.utc).isoformat(timespec='seconds')}. {note}".strip(),
        "Macro-F1 from the scorer with each run's calibrated thresholds (rule fusion fitted",
        "on validation); the 'no fusion' column recalibrates the same weights with",
        "temperatures only. Mean ± sd when a recipe has several seeds. Minutes include",
        "validation after every epoch. 'int8 drop' is the validation macro-F1 lost when",
        "the run is quantized to int8, cross-fitted as `eventx.quantization` measures it",
        "(points; a shipped model runs in int8 only when it loses at most 0.5), with how",
        "many seeds pass.",
        "",
        "| recipe | adapter | context | frozen layers | dropout | lr | epochs (best) | seeds | "
        "train sentences | validation | test | test_unseen | test_unseen, no fusion | "
        "s/epoch | minutes | weights MB | int8 drop |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        spe = f"{r['seconds_per_epoch']:.0f}" if r["seconds_per_epoch"] else "n/a"
        plain = r["test_unseen_temperature_only"]
        minutes = "/".join(str(m) for m in r["minutes"])
        dropout = "base" if r["dropout"] is None else f"{r['dropout']:g}"  # base: 0.1
        if r.get("attention_dropout") is not None:
            dropout += f", attention {r['attention_dropout']:g}"
        drops = r.get("int8_drop_points") or []
        int8 = (f"{_cell(drops, 2)} ({sum(d <= 0.5 for d in drops)}/{len(drops)} pass)"
                if drops else "n/a")
        lines.append(
            f"| {r['name']} | {r['adapter']} | {r['context']} | {r['frozen_layers']} | "
            f"{dropout} | "
            f"{r['learning_rate']:g} | "
            f"{r['epochs']} ({r['best_epoch']}) | {r['seeds']} | "
            f"{r.get('train_sentences') or 'n/a'} | {_cell(r['validation'])} | "
            f"{_cell(r['test'])} | {_cell(r['test_unseen'])} | "
            f"{_cell(plain) if plain else 'n/a'} | "
            f"{spe} | {minutes} | "
            f"{r['weights_mb']} | {int8} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "exp")
    parser.add_argument("--note", default="", help="what the runs share (corpus, threads)")
    parser.add_argument("--name", default="recipes", help="results file stem")
    parser.add_argument("--rescore", action="store_true",
                        help="recalibrate and score every run, without and with fusion")
    parser.add_argument("--int8", action="store_true",
                        help="record each run's int8 accuracy check (about 30 s a run)")
    args = parser.parse_args()
    if not args.runs.is_dir():
        print(f"no runs under {args.runs}: train some with benchmarks/train_default.py first",
              file=sys.stderr)
        return 1
    if args.rescore:
        rescore(args.runs)
    if args.int8:
        check_int8(args.runs)
    previous = RESULTS / f"{args.name}.json"
    rows = merge(json.loads(previous.read_text()) if previous.exists() else [],
                 collect(args.runs))
    table = render(rows, args.note)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.md").write_text(table)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
