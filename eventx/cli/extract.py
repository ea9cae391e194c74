"""``eventx extract``: label the sentences of articles, one JSON line per sentence."""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import typer

from eventx.cli._app import app, fail, note


def _read_inputs(
    files: list[str], jsonl: bool, skip_bad: bool, report: object
) -> Iterator[tuple[str, str]]:
    """Yield (article id, text): a plain-text file is one article, named by its path."""
    from eventx.io_stream import iter_corpus

    def skipped(problem: object) -> None:
        note(f"skipped {problem}")

    for name in files:
        if jsonl:
            if name != "-" and not Path(name).is_file():
                fail(f"{name}: no such file")
            yield from iter_corpus(name, skip_bad=skip_bad, report=report, on_skip=skipped)
        elif name == "-":
            yield "-", sys.stdin.read()
        else:
            path = Path(name)
            if not path.is_file():
                fail(f"{name}: no such file")
            try:
                yield name, path.read_text(encoding="utf-8")
            except UnicodeDecodeError as e:
                fail(f"{name}: not UTF-8 text (byte {e.start})")


@app.command(
    epilog=(
        "Examples: eventx extract article.txt | eventx extract --jsonl corpus.jsonl "
        "-o sentences.jsonl | cat article.txt | eventx extract - | "
        "eventx extract --engine ray corpus.parquet sentences.parquet"
    ),
)
def extract(
    files: list[str] = typer.Argument(
        None, help="Plain-text articles, or - for stdin. With --engine ray: INPUT OUTPUT."
    ),
    jsonl: bool = typer.Option(False, "--jsonl", help='Inputs are JSONL {"id", "text"} lines.'),
    model: Path | None = typer.Option(None, "--model", help="Model directory (default: shipped)."),
    batch_size: int = typer.Option(64, "--batch-size", help="Most sentences per forward pass."),
    threads: int | None = typer.Option(
        None, "--threads", help="CPU threads (default: all; with Ray: per actor, default 1)."
    ),
    precision: str = typer.Option(
        "auto", "--precision",
        help="auto (the quantization the model's recorded accuracy check allows), fp32, "
        "int8 (all encoder layers) or mixed (int8 attention only).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file (atomically) instead of stdout."
    ),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Skip (and count) corpus lines that are bad JSON or lack text."
    ),
    engine: str = typer.Option("local", "--engine", help="local, or ray (INPUT OUTPUT)."),
    num_actors: int | None = typer.Option(
        None, "--num-actors", help="Ray: model replicas (default: CPUs / threads)."
    ),
    address: str | None = typer.Option(
        None, "--address", help="Ray: cluster address (default: $RAY_ADDRESS, else local)."
    ),
) -> None:
    """Split articles into sentences and label each: one JSON object per sentence."""
    from eventx.data import DataValidationError
    from eventx.modeling import ModelLoadError
    from eventx.quantization import PRECISIONS

    if precision not in PRECISIONS:
        fail(f"--precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if engine == "ray":
        _extract_ray(files or [], model, batch_size, threads, precision, skip_bad, num_actors,
                     address)
        return
    if engine != "local":
        fail(f"--engine must be local or ray, not {engine!r}")
    from eventx.io_stream import ReadReport, atomic_output

    files = files or ["-"]
    if threads is not None and threads < 1:
        fail(f"--threads must be at least 1, not {threads}")
    try:
        from eventx.pipeline import load

        extractor = load(model, batch_size=batch_size, precision=precision, threads=threads)
    except ModelLoadError as e:
        fail(str(e))
    report = ReadReport()
    inputs = _read_inputs(files, jsonl, skip_bad, report)
    try:
        if output is None:
            n = _write(extractor, inputs, sys.stdout)
        else:
            with atomic_output(output) as out:
                n = _write(extractor, inputs, out)
    except DataValidationError as e:
        if output is None:
            fail(f"{e}\n(stopped: the lines printed are from the articles before it; "
                 "use --skip-bad to skip bad lines)")
        fail(f"{e}\n({output} not written; use --skip-bad to skip bad lines)")
    if not n:
        note("no input articles")
    if skip_bad or report.skipped:
        note(report.summary())


def _write(extractor: object, inputs: Iterator[tuple[str, str]], out: IO[str]) -> int:
    """Stream labelled sentences to ``out``; returns the number of articles."""
    ids: deque[str] = deque()  # ids of articles read but not yet labelled (one chunk)

    def texts() -> Iterator[str]:
        for art_id, text in inputs:
            ids.append(art_id)
            yield text

    n = 0
    dumps = json.dumps
    for doc in extractor.extract_many(texts()):  # type: ignore[attr-defined]
        art_id = ids.popleft()
        n += 1
        out.write("".join(
            dumps({"article": art_id, **s.to_json()}, ensure_ascii=False) + "\n"
            for s in doc.sentences
        ))
    out.flush()
    return n


def _extract_ray(
    files: list[str],
    model: Path | None,
    batch_size: int,
    threads: int | None,
    precision: str,
    skip_bad: bool,
    num_actors: int | None,
    address: str | None,
) -> None:
    """``--engine ray INPUT OUTPUT``: the corpus through an actor pool on Ray Data."""
    from eventx.data import DataValidationError
    from eventx.modeling import ModelLoadError

    if len(files) != 2:
        fail("--engine ray takes exactly two arguments: INPUT OUTPUT (.jsonl or .parquet)")
    try:
        from eventx.ray_engine import RayNotInstalledError, extract_corpus
    except ImportError as e:  # pragma: no cover - the module itself has no hard deps
        fail(str(e))
    try:
        summary = extract_corpus(
            files[0], files[1], model=model, batch_size=batch_size, threads=threads or 1,
            precision=precision, skip_bad=skip_bad, num_actors=num_actors, address=address,
            on_skip=lambda p: note(f"skipped {p}"),
        )
    except RayNotInstalledError as e:
        fail(str(e))
    except (DataValidationError, ModelLoadError, FileNotFoundError, ValueError) as e:
        fail(f"{e}\n({files[1]} not written)")
    note(summary.summary())
