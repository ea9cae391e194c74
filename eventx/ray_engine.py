"""Scale-out extraction on Ray Data: corpus in, labelled sentences out, one model per actor.

    pip install 'eventx[ray]'
    eventx extract --engine ray corpus.jsonl sentences.jsonl       # local Ray, all CPUs
    eventx extract --engine ray corpus.parquet out.parquet --address auto   # a running cluster

or from Python::

    from eventx.ray_engine import extract_corpus
    extract_corpus("corpus.jsonl", "sentences.parquet", model="models/eventx-minilm")

How it runs: the JSONL corpus is cut into byte ranges at line boundaries (one cheap
newline-counting pass on the driver, so every line keeps its number); read tasks parse
their ranges; an actor pool (`Dataset.map_batches` with a callable class and
``compute=ActorPoolStrategy(...)``) loads the model once per actor and labels batches of
articles with the same `Extractor.extract_many` as the single-process engine; the driver streams the
result, in input order, into one JSONL or Parquet file that replaces OUTPUT only when the
run completes. Parquet corpora (columns ``id`` and ``text``) are read with
``ray.data.read_parquet``. For output far beyond what one writer keeps up with, call
`read_corpus` and `extract_dataset` and write the dataset yourself (``write_parquet`` to
shared storage): each actor then writes its own shards.

On an existing cluster the model directory and the input must be readable at the same
path on every node (shared file system), and eventx with the ``ray`` extra installed in
the workers' environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventx.data import DataValidationError, Problem
from eventx.labels import LABELS

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

SHARD_BYTES = 16 * 1024 * 1024
"""Size of the byte ranges a JSONL corpus is cut into (one read task each)."""
_READ_BLOCK = 8 * 1024 * 1024
_ENV_FOR_WORKERS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TOKENIZERS_PARALLELISM",
                    "EVENTX_MODEL")


class RayNotInstalledError(ImportError):
    """Ray Data is needed for ``--engine ray`` and is not installed."""


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise RayNotInstalledError(
            "the Ray engine needs Ray Data: pip install 'eventx[ray]' (or 'ray[data]')"
        ) from e
    return ray


# --------------------------------------------------------------------------- schemas
def _sentence_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([
        ("article", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("text", pa.string()),
        ("labels", pa.list_(pa.string())),
        ("scores", pa.struct([(label, pa.float64()) for label in LABELS])),
        ("line", pa.int64()),
        ("error", pa.string()),
    ])


OUTPUT_COLUMNS = ("article", "start", "end", "text", "labels", "scores")
"""Columns of the result, as in ``eventx extract``'s JSON lines."""


# --------------------------------------------------------------------------- reading
def jsonl_shards(path: str | os.PathLike[str], shard_bytes: int = SHARD_BYTES) -> list[dict]:
    """Cut a JSONL file into byte ranges that start at line starts, with line numbers.

    One sequential pass counting newlines (C speed, constant memory) gives each range
    the number of its first line, so a bad line is reported where it is in the file.
    """
    path = str(Path(path).resolve())
    size = os.path.getsize(path)
    cuts = [0]
    lines = [1]
    with open(path, "rb") as f:
        while cuts[-1] + shard_bytes < size:
            f.seek(cuts[-1] + shard_bytes - 1)
            f.readline()  # to the start of the next line
            if f.tell() >= size:
                break
            cuts.append(f.tell())
        f.seek(0)
        line, pos = 1, 0
        for cut in cuts[1:]:
            while pos < cut:
                block = f.read(min(_READ_BLOCK, cut - pos))
                line += block.count(b"\n")
                pos += len(block)
            lines.append(line)
    ends = [*cuts[1:], size]
    return [{"path": path, "start": a, "end": b, "line": n} for a, b, n in zip(cuts, ends, lines)]


def _read_shards(batch: dict[str, Any]) -> pa.Table:
    """Ray task: parse the lines of some byte ranges into (id, text, line, error) rows."""
    import pyarrow as pa

    from eventx.io_stream import parse_corpus_line

    ids: list[str | None] = []
    texts: list[str | None] = []
    lines: list[int] = []
    errors: list[str | None] = []
    for path, start, end, first in zip(batch["path"], batch["start"], batch["end"],
                                       batch["line"]):
        with open(str(path), "rb") as f:
            f.seek(int(start))
            data = f.read(int(end) - int(start))
        for n, raw in enumerate(data.splitlines(keepends=True), int(first)):
            parsed = parse_corpus_line(raw, str(path), n)
            if parsed is None:
                continue
            lines.append(n)
            if isinstance(parsed, Problem):
                ids.append(None)
                texts.append(None)
                errors.append(_encode_problem(parsed))
            else:
                ids.append(parsed[0])
                texts.append(parsed[1])
                errors.append(None)
    return pa.table({"id": pa.array(ids, pa.string()), "text": pa.array(texts, pa.string()),
                     "line": pa.array(lines, pa.int64()), "error": pa.array(errors, pa.string())})


def _check_parquet_rows(table: pa.Table, name: str) -> pa.Table:
    """Ray task: mark Parquet rows without a usable id or text as errors."""
    import pyarrow as pa

    cols = set(table.column_names)
    n = table.num_rows
    ids = table["id"].to_pylist() if "id" in cols else [None] * n
    texts = table["text"].to_pylist() if "text" in cols else [None] * n
    errors: list[str | None] = []
    for art_id, text in zip(ids, texts):
        if not isinstance(art_id, str) or not art_id:
            errors.append(_encode_problem(Problem(name, 0, "id", "missing or not a string")))
        elif not isinstance(text, str):
            errors.append(_encode_problem(
                Problem(name, 0, "text", f"missing or not a string in article {art_id!r}")))
        else:
            errors.append(None)
    return pa.table({
        "id": pa.array([i if isinstance(i, str) else None for i in ids], pa.string()),
        "text": pa.array([t if isinstance(t, str) else None for t in texts], pa.string()),
        "line": pa.array([0] * n, pa.int64()), "error": pa.array(errors, pa.string()),
    })


def read_corpus(
    path: str | os.PathLike[str], shard_bytes: int = SHARD_BYTES
) -> ray.data.Dataset:
    """A Ray dataset of articles (``id``, ``text``, ``line``, ``error``) from JSONL or Parquet.

    A row whose line is bad JSON or lacks an id or text has ``id``/``text`` null and
    ``error`` naming the file, line and field; `extract_dataset` passes it through.

    Args:
        path: A ``.jsonl`` file, or a ``.parquet`` file or directory with ``id``, ``text``.
        shard_bytes: JSONL byte range per read task.
    """
    ray = _import_ray()
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if p.suffix == ".parquet" or (p.is_dir() and any(p.glob("*.parquet"))):
        name = str(path)
        return ray.data.read_parquet(str(p.resolve()), columns=["id", "text"]).map_batches(
            _check_parquet_rows, batch_format="pyarrow", fn_kwargs={"name": name},
            num_cpus=0.5,
        )
    return ray.data.from_items(jsonl_shards(p, shard_bytes)).map_batches(
        _read_shards, batch_size=1, batch_format="numpy", num_cpus=0.5,
    )


# --------------------------------------------------------------------------- extraction
class SentenceLabeler:
    """Ray actor: loads the model once, then labels batches of articles.

    Args:
        model: Model directory (readable on the actor's node).
        batch_size: Most sentences per forward pass.
        precision: ``"auto"``, ``"fp32"``, ``"int8"`` or ``"mixed"``.
        threads: Torch threads in this actor (match the actor's ``num_cpus``).
    """

    def __init__(self, model: str, batch_size: int = 64, precision: str = "auto",
                 threads: int = 1) -> None:
        from eventx.pipeline import load

        self.extractor = load(model, batch_size=batch_size, precision=precision,
                              threads=threads)
        self.schema = _sentence_schema()

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        ids = batch["id"].to_pylist()
        texts = batch["text"].to_pylist()
        lines = batch["line"].to_pylist()
        errors = batch["error"].to_pylist()
        good = [i for i, e in enumerate(errors) if e is None]
        docs = iter(self.extractor.extract_many(
            (texts[i] for i in good), ids=(ids[i] for i in good),
            articles_per_chunk=max(1, len(good)),
        ))
        rows: dict[str, list] = {name: [] for name in self.schema.names}
        for i in range(len(ids)):
            if errors[i] is not None:
                for name, value in zip(self.schema.names, (
                        ids[i], -1, -1, "", [], None, lines[i], errors[i])):
                    rows[name].append(value)
                continue
            doc = next(docs)
            for s in doc.sentences:
                rows["article"].append(doc.id)
                rows["start"].append(s.start)
                rows["end"].append(s.end)
                rows["text"].append(s.text)
                rows["labels"].append(s.labels)
                rows["scores"].append(s.scores)
                rows["line"].append(lines[i])
                rows["error"].append(None)
        return pa.table(rows, schema=self.schema)


def extract_dataset(
    articles: ray.data.Dataset,
    model: str | os.PathLike[str] | None = None,
    *,
    batch_size: int = 64,
    precision: str = "auto",
    threads: int = 1,
    num_actors: int | tuple[int, int] | None = None,
    articles_per_batch: int = 64,
) -> ray.data.Dataset:
    """Label a Ray dataset of articles; returns one row per sentence.

    Args:
        articles: Rows with ``id`` and ``text`` (and optionally ``line``, ``error`` as
            made by `read_corpus`).
        model: Model directory; None is the shipped default model.
        batch_size: Most sentences per forward pass.
        precision: ``"auto"``, ``"fp32"``, ``"int8"`` or ``"mixed"``.
        threads: CPUs (and torch threads) per actor.
        num_actors: Actor pool size, or ``(min, max)`` to autoscale; default: the
            cluster's CPUs divided by ``threads`` (leaving one CPU for reading).
        articles_per_batch: Articles sent to an actor at a time.

    Returns:
        A dataset with ``article, start, end, text, labels, scores`` (as in ``eventx
        extract``), plus ``line`` (input line) and ``error`` (non-null on a row standing
        for a bad input line; such rows carry no sentence).
    """
    ray = _import_ray()
    from eventx.pipeline import default_model_path

    target = Path(model) if model is not None else default_model_path()
    if num_actors is None:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        num_actors = max(1, (cpus - 1) // max(1, threads)) if cpus > threads else 1
    if isinstance(num_actors, tuple):
        pool = ray.data.ActorPoolStrategy(min_size=num_actors[0], max_size=num_actors[1])
    else:
        pool = ray.data.ActorPoolStrategy(size=num_actors)
    # Fills ``line``/``error`` when the caller's rows lack them (fused into the read).
    articles = articles.map_batches(_default_columns, batch_format="pyarrow")
    return articles.map_batches(
        SentenceLabeler,
        fn_constructor_kwargs={"model": str(target.resolve()), "batch_size": batch_size,
                               "precision": precision, "threads": threads},
        batch_size=articles_per_batch,
        batch_format="pyarrow",
        compute=pool,
        num_cpus=threads,
    )


def _default_columns(table: pa.Table) -> pa.Table:
    """``id, text, line, error`` columns, adding unknown lines and no errors if absent."""
    import pyarrow as pa

    n = table.num_rows
    if "line" not in table.column_names:
        table = table.append_column("line", pa.array([0] * n, pa.int64()))  # unknown
    if "error" not in table.column_names:
        table = table.append_column("error", pa.array([None] * n, pa.string()))
    return table.select(["id", "text", "line", "error"])


# --------------------------------------------------------------------------- the run
@dataclass
class RunSummary:
    """What a corpus run did."""

    output: str
    sentences: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = f"{self.sentences} sentence(s) written to {self.output}"
        if self.skipped:
            s += f"; {self.skipped} bad line(s) skipped"
        return s


def extract_corpus(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    model: str | os.PathLike[str] | None = None,
    *,
    batch_size: int = 64,
    precision: str = "auto",
    threads: int = 1,
    num_actors: int | tuple[int, int] | None = None,
    skip_bad: bool = False,
    address: str | None = None,
    num_cpus: int | None = None,
    articles_per_batch: int = 64,
    shard_bytes: int = SHARD_BYTES,
    on_skip: Callable[[str], None] | None = None,
) -> RunSummary:
    """Label a JSONL or Parquet corpus on Ray and write one JSONL or Parquet file.

    Output rows are in input order and hold exactly what ``eventx extract`` prints
    (``article, start, end, text, labels, scores``). The file appears only when the run
    completes (temporary file, then rename).

    Args:
        input: ``.jsonl`` corpus, or ``.parquet`` file/directory with ``id``, ``text``.
        output: ``.parquet`` for Parquet, anything else for JSONL.
        model: Model directory; None is the shipped default model.
        batch_size: Most sentences per forward pass.
        precision: ``"auto"``, ``"fp32"``, ``"int8"`` or ``"mixed"``.
        threads: CPUs (and torch threads) per actor.
        num_actors: Actor pool size (see `extract_dataset`).
        skip_bad: Skip bad input lines (counted in the summary) instead of failing.
        address: Ray cluster to join (``"auto"``, ``ray://host:10001``); None joins
            ``$RAY_ADDRESS`` if set, else starts a local Ray. Ignored if Ray is running.
        num_cpus: CPUs of a local Ray started here (default: all).
        articles_per_batch: Articles sent to an actor at a time.
        shard_bytes: JSONL byte range per read task.
        on_skip: Called with the message of each skipped line.

    Raises:
        DataValidationError: On the first bad line (in input order), unless ``skip_bad``.
        FileNotFoundError: If the input does not exist.
        ModelLoadError: If the model directory is not an eventx model.
        RayNotInstalledError: Without Ray Data.
    """
    ray = _import_ray()
    from eventx.io_stream import atomic_path
    from eventx.modeling import EventxConfig
    from eventx.pipeline import default_model_path
    from eventx.quantization import resolve_precision

    # Fail on what the driver can check before paying for Ray and the actors.
    resolve_precision(precision, None)
    if not Path(input).exists():
        raise FileNotFoundError(f"{input}: no such file")
    EventxConfig.load(Path(model) if model is not None else default_model_path())
    started = not ray.is_initialized()
    if started:
        env = {k: os.environ[k] for k in _ENV_FOR_WORKERS if k in os.environ}
        address = address or os.environ.get("RAY_ADDRESS")
        ray.init(address=address, num_cpus=None if address else num_cpus,
                 runtime_env={"env_vars": env} if env else None,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        if started:  # our own Ray: keep the user's terminal to our summary
            import logging

            logging.getLogger("ray.data").setLevel(logging.WARNING)
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        ds = extract_dataset(read_corpus(input, shard_bytes), model, batch_size=batch_size,
                             precision=precision, threads=threads, num_actors=num_actors,
                             articles_per_batch=articles_per_batch)
        summary = RunSummary(str(output))
        parquet = str(output).endswith(".parquet")
        with atomic_path(output) as tmp:
            writer = _ParquetWriter(tmp) if parquet else _JsonlWriter(tmp)
            try:
                for batch in ds.iter_batches(batch_format="pyarrow", batch_size=None):
                    good = _drop_errors(batch, skip_bad, summary, on_skip)
                    writer.write(good)
                    summary.sentences += good.num_rows
            finally:
                writer.close()
        return summary
    finally:
        if started:
            ray.shutdown()


def _drop_errors(
    batch: pa.Table, skip_bad: bool, summary: RunSummary, on_skip: Callable[[str], None] | None
) -> pa.Table:
    """The sentence rows of a result batch; bad-line rows raise or are counted."""
    import pyarrow.compute as pc

    bad = pc.is_valid(batch["error"])
    if pc.any(bad).as_py():
        for value in batch.filter(bad)["error"].to_pylist():
            problem = _decode_problem(value)
            if not skip_bad:
                raise DataValidationError([problem])
            summary.skipped += 1
            if len(summary.problems) < 1000:
                summary.problems.append(str(problem))
            if on_skip is not None:
                on_skip(str(problem))
        batch = batch.filter(pc.invert(bad))
    return batch.select(list(OUTPUT_COLUMNS))


def _encode_problem(problem: Problem) -> str:
    """A problem as a string column value (JSON keeps its parts for the driver)."""
    import json

    return json.dumps(asdict(problem), ensure_ascii=False)


def _decode_problem(value: str) -> Problem:
    import json

    return Problem(**json.loads(value))


class _JsonlWriter:
    """Writes result batches as ``eventx extract`` JSON lines (same bytes as local)."""

    def __init__(self, path: Path) -> None:
        self.f = open(path, "w", encoding="utf-8")  # noqa: SIM115  (closed in close())

    def write(self, table: pa.Table) -> None:
        import json

        self.f.write("".join(
            json.dumps({"article": r["article"], "start": r["start"], "end": r["end"],
                        "text": r["text"], "labels": r["labels"],
                        "scores": {label: r["scores"][label] for label in LABELS}},
                       ensure_ascii=False) + "\n"
            for r in table.to_pylist()
        ))

    def close(self) -> None:
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()


class _ParquetWriter:
    """Writes result batches to one Parquet file, row group by row group."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: Any = None

    def write(self, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(str(self.path), table.schema)
        if table.num_rows:
            self.writer.write_table(table)

    def close(self) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:  # no rows at all: still a valid, empty file
            self.writer = pq.ParquetWriter(
                str(self.path), _sentence_schema().remove(7).remove(6))
        self.writer.close()
