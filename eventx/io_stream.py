"""Streaming corpus input and atomic output for extraction at scale.

Why not `eventx.data.iter_texts`: that reader needs a path and stops at the first bad
line, which suits annotated data. A corpus to label may come from stdin, may be larger
than memory, and may hold a few broken lines that a user chooses to skip; every line is
therefore read one at a time from any binary stream, and a bad one is either a
`DataValidationError` naming its line or, with ``skip_bad``, counted in a `ReadReport`.
Output goes to a temporary file that replaces the target only when the run completes,
so a failed run never leaves a partial file that looks finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from eventx.data import DataValidationError, Problem, parse_article

MAX_KEPT_PROBLEMS = 1000
"""Skipped-line problems kept in a report (the count goes on beyond it)."""


@dataclass
class ReadReport:
    """What a corpus reader saw: articles yielded and bad lines skipped."""

    articles: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add_problem(self, problem: Problem) -> None:
        self.skipped += 1
        if len(self.problems) < MAX_KEPT_PROBLEMS:
            self.problems.append(problem)

    def summary(self) -> str:
        """One line for the end of a run."""
        s = f"{self.articles} article(s) read"
        if self.skipped:
            s += f", {self.skipped} bad line(s) skipped"
        return s


def parse_corpus_line(raw: bytes | str, name: str, line: int) -> tuple[str, str] | Problem | None:
    """Decode one corpus line into ``(id, text)``; a `Problem` if bad, None if blank.

    Accepts ``{"id", "text"}`` lines and annotated articles (whose text may be rebuilt
    from their sentences), as ``eventx extract --jsonl`` always has.
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return Problem(name, line, "", f"not UTF-8 (byte {e.start})")
    if not raw.strip():
        return None
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as e:
        return Problem(name, line, "", f"bad JSON: {e.msg} at column {e.colno}")
    if not isinstance(obj, dict):
        return Problem(name, line, "", "expected a JSON object")
    art_id = obj.get("id")
    if not isinstance(art_id, str) or not art_id:
        return Problem(name, line, "id", "missing or not a string")
    text = obj.get("text")
    if text is None and isinstance(obj.get("sentences"), list):
        article, problems = parse_article(obj, name, line)
        if article is None:
            return problems[0] if problems else Problem(name, line, "text", "missing")
        text = article.text
    if not isinstance(text, str):
        return Problem(name, line, "text", "missing or not a string")
    return art_id, text


def iter_corpus(
    source: str | os.PathLike[str] | IO[bytes],
    name: str | None = None,
    skip_bad: bool = False,
    report: ReadReport | None = None,
    on_skip: Callable[[Problem], None] | None = None,
) -> Iterator[tuple[str, str]]:
    """Stream ``(id, text)`` from a JSONL corpus, one line in memory at a time.

    Args:
        source: A path, ``"-"`` for stdin, or an open binary stream.
        name: Name used in messages (default: the path, or ``<stdin>``).
        skip_bad: Skip bad lines (recorded in ``report``) instead of raising.
        report: Receives the counts; pass one to read them after the loop.
        on_skip: Called with each skipped line's problem (e.g. to print it).

    Raises:
        DataValidationError: On the first bad line, unless ``skip_bad``.
    """
    report = report if report is not None else ReadReport()
    with contextlib.ExitStack() as stack:
        if isinstance(source, (str, os.PathLike)) and str(source) != "-":
            name = name or str(source)
            stream: IO[bytes] = stack.enter_context(open(source, "rb"))
        elif isinstance(source, (str, os.PathLike)):
            name = name or "<stdin>"
            stream = sys.stdin.buffer
        else:
            name = name or getattr(source, "name", "<stream>")
            stream = source
        for n, raw in enumerate(stream, 1):
            parsed = parse_corpus_line(raw, name, n)
            if parsed is None:
                continue
            if isinstance(parsed, Problem):
                if not skip_bad:
                    raise DataValidationError([parsed])
                report.add_problem(parsed)
                if on_skip is not None:
                    on_skip(parsed)
                continue
            report.articles += 1
            yield parsed


def sentence_record(article: str | None, sentence: Any) -> dict[str, Any]:
    """The SPEC output object of one sentence (``eventx extract``'s JSON line)."""
    return {"article": article, **sentence.to_json()}


def _temporary_beside(target: Path) -> tuple[int, str]:
    """A new temporary file in ``target``'s directory (so the rename is atomic), with the
    permissions a plainly created file would get (mkstemp's are owner-only)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return fd, tmp


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``.

    On any exception the temporary file is removed and ``path`` is left as it was.

    Args:
        path: The final output file.
        mode: ``"w"`` (UTF-8 text) or ``"wb"``.
    """
    target = Path(path)
    fd, tmp = _temporary_beside(target)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that opens files itself (Parquet).

    It replaces ``path`` on success and is removed on failure.
    """
    target = Path(path)
    fd, tmp = _temporary_beside(target)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
