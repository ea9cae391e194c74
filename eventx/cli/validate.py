"""``eventx validate``: check annotated-article files against the format."""

from __future__ import annotations

from pathlib import Path

import typer

from eventx.cli._app import app, note


@app.command(
    epilog="Example: eventx validate data/train.jsonl data/dev.jsonl",
)
def validate(
    files: list[Path] = typer.Argument(..., help="Annotated-article JSONL files to check."),
) -> None:
    """Check annotated-article files; list every problem of the first bad file and exit 1."""
    from eventx.data import check_file

    for path in files:
        articles, problems = check_file(path)
        if problems:
            for p in problems:
                typer.echo(str(p), err=True)
            note(f"{path}: {len(problems)} problem(s)")
            raise typer.Exit(1)
        n_sent = sum(len(a.sentences) for a in articles)
        typer.echo(f"{path}: ok ({len(articles)} articles, {n_sent} sentences)")
