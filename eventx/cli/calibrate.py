"""``eventx calibrate``: refit a model's calibration and thresholds on validation data."""

from __future__ import annotations

from pathlib import Path

import typer

from eventx.cli._app import app, fail, note


@app.command(
    epilog="Example: eventx calibrate models/mine --dev data/dev.jsonl",
)
def calibrate(
    model: Path = typer.Argument(..., help="Model directory to recalibrate (rewritten)."),
    dev_file: Path = typer.Option(..., "--dev", help="Validation articles (JSONL)."),
    no_rule_fusion: bool = typer.Option(
        False, "--no-rule-fusion", help="Temperatures only, without the keyword coder."
    ),
) -> None:
    """Refit calibration and per-label thresholds on validation data (weights unchanged)."""
    from eventx.data import DataValidationError, read_articles
    from eventx.modeling import ModelLoadError
    from eventx.trainer import recalibrate

    try:
        articles = read_articles(dev_file)
        report = recalibrate(model, articles, rule_fusion=not no_rule_fusion)
    except (ValueError, DataValidationError, ModelLoadError) as e:
        fail(str(e))
    from eventx.labels import LABELS
    from eventx.modeling import EventxConfig

    thresholds = EventxConfig.load(model).thresholds
    note(f"{model}: {report['method']}; validation macro-F1 {report['macro_f1']}; thresholds "
         + ", ".join(f"{lab} {t:.2f}" for lab, t in zip(LABELS, thresholds))
         + f"; ECE {report['ece_before']} -> {report['ece_after']}")
