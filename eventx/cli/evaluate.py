"""``eventx evaluate``: score a model on annotated articles, label by label."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from eventx.cli._app import app, fail, note


def _check_data(path: Path) -> None:
    """Fail with one line naming file, line and field when the data cannot be scored."""
    from eventx.data import check_file

    articles, problems = check_file(path)
    if problems:
        first = str(problems[0])
        more = f" (and {len(problems) - 1} more; run `eventx validate {path}`)" \
            if len(problems) > 1 else ""
        hint = ""
        if all(p.field in ("labels", "sentences") and "missing" in p.message for p in problems):
            hint = "; evaluate needs annotated articles (for unlabelled text use `eventx extract`)"
        fail(f"{first}{more}{hint}")
    if not any(a.sentences for a in articles):
        fail(f"{path}: no sentences to score")


@app.command(
    epilog=(
        "Example: eventx evaluate test.jsonl --model models/mine --labels attack,strike "
        "--errors errors.jsonl --plots plots/ --json"
    ),
)
def evaluate(
    data: Path = typer.Argument(..., help="Annotated articles or labelled snippets (JSONL)."),
    model: str | None = typer.Option(
        None, "--model", help="Model directory, 'keyword', or 'tfidf:DIR' (default: shipped)."
    ),
    end_to_end: bool = typer.Option(
        False, "--end-to-end", help="Segment the text and align to gold sentences."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    labels: str | None = typer.Option(
        None, "--labels", help="Score only these labels, e.g. attack,strike."
    ),
    level: str = typer.Option("sentence", "--level", help="sentence or article."),
    plots: Path | None = typer.Option(None, "--plots", help="Write PNG plots to this dir."),
    errors: Path | None = typer.Option(None, "--errors", help="Write wrong units (JSONL)."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Write the report here."),
    batch_size: int = typer.Option(64, "--batch-size", help="Sentences per forward pass."),
    n_bootstrap: int = typer.Option(1000, "--bootstrap", help="Resamples for the CI (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Score a model on annotated articles: per-label P/R/F1, macro/micro F1, CI, calibration."""
    from eventx.labels import UnknownLabelError, parse_label_list
    from eventx.modeling import ModelLoadError
    from eventx.scoring import LEVELS, load_model
    from eventx.scoring import evaluate as run_evaluation

    try:
        scored = parse_label_list(labels)
    except UnknownLabelError as e:
        fail(f"--labels: {e}")
    if level not in LEVELS:
        fail(f"--level: {level!r} is not one of {', '.join(LEVELS)}")
    if batch_size < 1:
        fail("--batch-size: must be at least 1")
    if n_bootstrap < 0:
        fail("--bootstrap: must be 0 or more")
    if plots is not None:
        from eventx.reports import PlotsUnavailableError, check_plots_available

        try:
            check_plots_available()
        except PlotsUnavailableError as e:
            fail(f"--plots: {e}")
    _check_data(data)
    try:
        scorer = load_model(model, batch_size=batch_size)
    except ModelLoadError as e:
        fail(f"--model: {e}")
    try:
        result = run_evaluation(
            scorer, data, labels=scored, level=level, end_to_end=end_to_end,
            batch_size=batch_size, show_progress_bar=not quiet, n_bootstrap=n_bootstrap,
            seed=seed,
        )
    except ValueError as e:
        fail(str(e))
    result.model = model or "default"

    from eventx.reports import markdown_report, write_errors, write_markdown, write_plots

    if errors is not None:
        n = write_errors(result, errors)
        note(f"{n} wrongly labelled unit(s) written to {errors}")
    if plots is not None:
        written = write_plots(result, plots)
        note(f"plots written: {', '.join(str(p) for p in written)}")
    if markdown is not None:
        write_markdown(result, markdown)
        note(f"report written to {markdown}")
    if json_out:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        typer.echo(markdown_report(result), nl=False)
