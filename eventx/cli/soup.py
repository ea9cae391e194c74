"""``eventx soup``: average trained LoRA runs (say, one per seed) into one model."""

from __future__ import annotations

from pathlib import Path

import typer

from eventx.cli._app import app, fail, note


@app.command(
    epilog="Example: eventx soup runs/seed0 runs/seed1 runs/seed2 --out models/mine "
           "--dev data/dev.jsonl",
)
def soup(
    runs: list[Path] = typer.Argument(..., help="Trained LoRA model directories (two or more)."),
    out: Path = typer.Option(..., "--out", help="Directory for the averaged model."),
    dev_file: Path = typer.Option(..., "--dev", help="Validation articles (JSONL) to "
                                  "calibrate the average on."),
    max_rank: int | None = typer.Option(
        None, "--max-rank", help="Store the average at this LoRA rank (truncated SVD; "
        "smaller file) instead of exactly at the runs' summed rank."),
) -> None:
    """Average LoRA runs' weights into one model (one run's speed) and calibrate it."""
    from eventx.data import DataValidationError, read_articles
    from eventx.labels import LABELS
    from eventx.modeling import EventxConfig, ModelLoadError
    from eventx.soup import average_lora_runs

    if out.resolve() in {r.resolve() for r in runs}:
        fail(f"--out {out} is one of the runs; write the soup to a new directory")
    try:
        articles = read_articles(dev_file)
        report = average_lora_runs(runs, out, articles, max_rank=max_rank)
    except (ValueError, DataValidationError, ModelLoadError) as e:
        fail(str(e))
    thresholds = EventxConfig.load(out).thresholds
    note(f"{out}: average of {len(runs)} runs; {report['method']}; validation macro-F1 "
         f"{report['macro_f1']}; thresholds "
         + ", ".join(f"{lab} {t:.2f}" for lab, t in zip(LABELS, thresholds)))
