"""Annotated-article files: reading, validating, writing, and `datasets` conversion.

The file format is the one of the product contract (SPEC.md): one JSON object a line,
either an article with ``sentences`` (offsets optional) or a labelled snippet
``{"id", "text", "labels"}``. Every problem is reported with file, line and field;
nothing is silently dropped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventx.labels import LABEL2ID, LABELS, to_multi_hot

if TYPE_CHECKING:
    import datasets

_ARTICLE_KEYS = ("id", "title", "date", "text", "sentences", "labels")
_SENTENCE_KEYS = ("start", "end", "text", "labels")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, located by file, line and field."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class DataValidationError(ValueError):
    """Raised when an input file has problems; carries all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more problems" if len(problems) > 20 else ""
        super().__init__(shown + more)


@dataclass
class AnnotatedSentence:
    """A gold sentence: character offsets into its article's text, and its label set."""

    start: int
    end: int
    text: str
    labels: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class AnnotatedArticle:
    """An article (or a labelled snippet) with its gold sentences.

    A snippet (``{"id", "text", "labels"}``) is held as one sentence spanning the whole
    text, with ``is_snippet`` set: it is scored as one unit.
    """

    id: str
    text: str
    sentences: list[AnnotatedSentence]
    title: str | None = None
    date: str | None = None
    is_snippet: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        """The union of the sentences' labels, in schema order."""
        present = {label for s in self.sentences for label in s.labels}
        return [label for label in LABELS if label in present]

    def to_json(self) -> dict[str, Any]:
        """The article as a SPEC-format JSON object (offsets always written)."""
        out: dict[str, Any] = {"id": self.id}
        if self.title is not None:
            out["title"] = self.title
        if self.date is not None:
            out["date"] = self.date
        out["text"] = self.text
        if self.is_snippet:
            out["labels"] = self.labels
        else:
            out["sentences"] = [
                {"start": s.start, "end": s.end, "text": s.text, "labels": s.labels, **s.extra}
                for s in self.sentences
            ]
        out.update(self.extra)
        return out


def _label_problems(labels: Any, path: str, line: int, fld: str) -> list[Problem]:
    if not isinstance(labels, list):
        return [Problem(path, line, fld, f"must be a list of labels, got {type(labels).__name__}")]
    problems = []
    for i, label in enumerate(labels):
        if label not in LABEL2ID:
            problems.append(
                Problem(path, line, f"{fld}[{i}]", f"unknown label {label!r}; expected one of "
                        f"{', '.join(LABELS)}")
            )
    if len(set(map(str, labels))) != len(labels):
        problems.append(Problem(path, line, fld, "repeats a label"))
    return problems


def _ordered(labels: list[str]) -> list[str]:
    return [label for label in LABELS if label in labels]


def parse_article(obj: Any, path: str = "<input>", line: int = 0) -> tuple[
    AnnotatedArticle | None, list[Problem]
]:
    """Check one decoded JSON line and build the article.

    Args:
        obj: The decoded JSON value of the line.
        path: File name, for messages.
        line: 1-based line number, for messages.

    Returns:
        The article (None when it cannot be built) and the list of problems found.
    """
    problems: list[Problem] = []

    def bad(fld: str, msg: str) -> None:
        problems.append(Problem(path, line, fld, msg))

    if not isinstance(obj, dict):
        bad("", f"expected a JSON object, got {type(obj).__name__}")
        return None, problems
    art_id = obj.get("id")
    if "id" not in obj:
        bad("id", "missing")
    elif not isinstance(art_id, str) or not art_id.strip():
        bad("id", "must be a non-empty string")
    for key in ("title", "date"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            bad(key, "must be a string")
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        bad("text", "must be a string")
        text = None
    extra = {k: v for k, v in obj.items() if k not in _ARTICLE_KEYS}

    if "sentences" not in obj:
        # A labelled snippet: scored as one unit.
        if text is None:
            bad("sentences", "missing (a labelled snippet needs 'text' and 'labels' instead)")
        if "labels" not in obj:
            bad("labels", "missing (a line without 'sentences' is a snippet and needs labels)")
        else:
            problems += _label_problems(obj["labels"], path, line, "labels")
        if problems or text is None:
            return None, problems
        sent = AnnotatedSentence(0, len(text), text, _ordered(obj["labels"]))
        return AnnotatedArticle(
            art_id, text, [sent], obj.get("title"), obj.get("date"), True, extra
        ), problems

    raw = obj["sentences"]
    if not isinstance(raw, list):
        bad("sentences", "must be a list")
        return None, problems
    if "labels" in obj:
        bad("labels", "an article with 'sentences' carries labels on its sentences only")
    parsed: list[tuple[int | None, int | None, str, list[str], dict[str, Any]]] = []
    for i, s in enumerate(raw):
        fld = f"sentences[{i}]"
        if not isinstance(s, dict):
            bad(fld, "must be an object")
            continue
        s_text = s.get("text")
        if not isinstance(s_text, str):
            bad(f"{fld}.text", "missing" if "text" not in s else "must be a string")
            continue
        if "labels" not in s:
            bad(f"{fld}.labels", "missing")
            continue
        label_problems = _label_problems(s["labels"], path, line, f"{fld}.labels")
        problems += label_problems
        start, end = s.get("start"), s.get("end")
        if (start is None) != (end is None):
            bad(fld, "give both 'start' and 'end' or neither")
            continue
        if start is not None and (
            not isinstance(start, int) or not isinstance(end, int)
            or isinstance(start, bool) or isinstance(end, bool)
        ):
            bad(fld, "'start' and 'end' must be integers")
            continue
        if label_problems:
            continue
        s_extra = {k: v for k, v in s.items() if k not in _SENTENCE_KEYS}
        parsed.append((start, end, s_text, _ordered(s["labels"]), s_extra))

    if text is None and not problems:
        if any(p[0] is not None for p in parsed):
            bad("text", "missing, but sentences give offsets into it")
            return None, problems
        text = " ".join(p[2] for p in parsed)
    if problems or text is None:
        return None, problems

    sentences: list[AnnotatedSentence] = []
    cursor = 0
    for i, (start, end, s_text, labels, s_extra) in enumerate(parsed):
        fld = f"sentences[{i}]"
        if start is None or end is None:
            found = text.find(s_text, cursor)
            if not s_text or found < 0:
                bad(f"{fld}.text", f"not found in the article text after offset {cursor}: "
                    f"{s_text[:60]!r}")
                continue
            start, end = found, found + len(s_text)
        elif not 0 <= start <= end <= len(text):
            bad(fld, f"offsets {start}:{end} outside the text (length {len(text)})")
            continue
        elif text[start:end] != s_text:
            bad(f"{fld}.text", f"does not match text[{start}:{end}] = {text[start:end][:60]!r}")
            continue
        elif start < cursor:
            bad(f"{fld}.start", f"{start} overlaps the previous sentence (which ends at {cursor})")
            continue
        sentences.append(AnnotatedSentence(start, end, s_text, labels, s_extra))
        cursor = end
    if problems:
        return None, problems
    return AnnotatedArticle(
        art_id, text, sentences, obj.get("title"), obj.get("date"), False, extra
    ), problems


def _json_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, Any, Problem | None]]:
    """Yield (line number, decoded value, problem) for each non-blank line."""
    name = str(path)
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                bad = raw[e.start : e.start + 1]
                yield n, None, Problem(name, n, "", f"not UTF-8 (byte {e.start}: {bad!r})")
                continue
            if not line.strip():
                continue
            try:
                yield n, json.loads(line), None
            except json.JSONDecodeError as e:
                yield n, None, Problem(name, n, "", f"bad JSON: {e.msg} at column {e.colno}")


def check_file(path: str | os.PathLike[str]) -> tuple[list[AnnotatedArticle], list[Problem]]:
    """Read an annotated-article file, collecting every problem instead of stopping.

    Args:
        path: A JSONL file of annotated articles or labelled snippets.

    Returns:
        The articles that could be built, and every problem found in the file.
    """
    name = str(path)
    if not Path(path).is_file():
        return [], [Problem(name, 0, "", "no such file")]
    articles: list[AnnotatedArticle] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    n_lines = 0
    for n, obj, problem in _json_lines(path):
        n_lines += 1
        if problem:
            problems.append(problem)
            continue
        article, found = parse_article(obj, name, n)
        problems += found
        if article is None:
            continue
        if article.id in first_line:
            problems.append(
                Problem(name, n, "id", f"duplicate id {article.id!r} (first on line "
                        f"{first_line[article.id]})")
            )
            continue
        first_line[article.id] = n
        articles.append(article)
    if n_lines == 0:
        problems.append(Problem(name, 0, "", "empty file: no articles"))
    return articles, problems


def read_articles(path: str | os.PathLike[str]) -> list[AnnotatedArticle]:
    """Read an annotated-article file, raising `DataValidationError` on any problem."""
    articles, problems = check_file(path)
    if problems:
        raise DataValidationError(problems)
    return articles


def write_articles(articles: Iterable[AnnotatedArticle], path: str | os.PathLike[str]) -> None:
    """Write articles as SPEC-format JSONL (with offsets), atomically."""
    from eventx.io_stream import atomic_output  # io_stream imports this module

    with atomic_output(path) as f:
        for article in articles:
            f.write(json.dumps(article.to_json(), ensure_ascii=False) + "\n")


def iter_texts(path: str | os.PathLike[str]) -> Iterator[tuple[str, str]]:
    """Stream ``(id, text)`` from a JSONL file of ``{"id", "text"}`` or annotated articles.

    Lines are read one at a time, so a corpus larger than memory streams.

    Raises:
        DataValidationError: On the first bad line (bad JSON, no id, no text).
    """
    name = str(path)
    for n, obj, problem in _json_lines(path):
        if problem:
            raise DataValidationError([problem])
        if not isinstance(obj, dict):
            raise DataValidationError([Problem(name, n, "", "expected a JSON object")])
        art_id = obj.get("id")
        if not isinstance(art_id, str) or not art_id:
            raise DataValidationError([Problem(name, n, "id", "missing or not a string")])
        text = obj.get("text")
        if text is None and isinstance(obj.get("sentences"), list):
            article, problems = parse_article(obj, name, n)
            if article is None:
                raise DataValidationError(problems)
            text = article.text
        if not isinstance(text, str):
            raise DataValidationError([Problem(name, n, "text", "missing or not a string")])
        yield art_id, text


def to_dataset(articles: Iterable[AnnotatedArticle]) -> datasets.Dataset:
    """Flatten articles into a `datasets.Dataset` with one row per gold sentence.

    Columns: ``article_id``, ``sentence_index``, ``start``, ``end``, ``text``, ``title``,
    ``labels`` (names) and ``label_vector`` (multi-hot floats in schema order).
    """
    import datasets

    rows: dict[str, list[Any]] = {
        k: [] for k in ("article_id", "sentence_index", "start", "end", "text", "title",
                        "labels", "label_vector")
    }
    for article in articles:
        for i, s in enumerate(article.sentences):
            rows["article_id"].append(article.id)
            rows["sentence_index"].append(i)
            rows["start"].append(s.start)
            rows["end"].append(s.end)
            rows["text"].append(s.text)
            rows["title"].append(article.title or "")
            rows["labels"].append(list(s.labels))
            rows["label_vector"].append([float(v) for v in to_multi_hot(s.labels)])
    features = datasets.Features({
        "article_id": datasets.Value("string"),
        "sentence_index": datasets.Value("int32"),
        "start": datasets.Value("int64"),
        "end": datasets.Value("int64"),
        "text": datasets.Value("string"),
        "title": datasets.Value("string"),
        "labels": datasets.Sequence(datasets.Value("string")),
        "label_vector": datasets.Sequence(datasets.Value("float32"), length=len(LABELS)),
    })
    return datasets.Dataset.from_dict(rows, features=features)


def load_dataset_dict(files: dict[str, str | os.PathLike[str]]) -> datasets.DatasetDict:
    """Load several annotated-article files as a `datasets.DatasetDict`, one split a file."""
    import datasets

    return datasets.DatasetDict({split: to_dataset(read_articles(p)) for split, p in files.items()})
