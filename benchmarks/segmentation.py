"""Sentence-boundary benchmark: eventx's segmenter against syntok, pysbd, blingfire and a regex.

Usage::

    python benchmarks/segmentation.py [FILES...] [--show-errors N] [--out PATH]

Default files: ``benchmarks/data/segmentation_gold.jsonl`` plus ``eventx/corpus_data/*.jsonl``
when present (the script says which it found). Files are annotated-article JSONL: ``text`` and
``sentences`` with ``start``/``end`` (or, where offsets are absent, sentence texts that are
found in ``text`` in order).

Metric (exact definition):

- A *boundary* is a sentence end offset, normalised to the index just after the sentence's
  last non-whitespace character, so trailing whitespace never matters.
- The article's final boundary (just after the last non-whitespace character of ``text``) is
  excluded: every segmenter gets it for free and it would inflate all scores.
- Per article, predicted and gold boundaries are sets; TP = |pred & gold|. Precision =
  TP / |pred|, recall = TP / |gold|, F1 their harmonic mean, micro-averaged over the articles
  of a file and over all files.

Segmenters that return strings instead of offsets (pysbd, the regex baseline) are mapped back
to offsets by searching each sentence in the text in order (ignoring whitespace differences
when an exact search fails); syntok spans come from its token offsets, blingfire's from
``text_to_sentences_and_offsets``.

Throughput is UTF-8 bytes of the article texts / seconds (MB = 10**6 bytes), best of 3 runs
in this process. syntok and pysbd are slow: their accuracy is measured on at most
``SLOW_EVAL_CHARS`` characters per file and their throughput on the first
``SLOW_TIMING_CHARS`` characters (whole articles), as the table notes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from eventx.segmentation import segment  # noqa: E402

GOLD = ROOT / "benchmarks" / "data" / "segmentation_gold.jsonl"
CORPUS_GLOB = str(ROOT / "eventx" / "corpus_data" / "*.jsonl")
RESULTS = ROOT / "benchmarks" / "results" / "segmentation.md"
SLOW_EVAL_CHARS = 600_000
SLOW_TIMING_CHARS = 150_000
TARGET_F1 = 0.99
TARGET_MBS = 2.0

Spans = list[tuple[int, int]]


@dataclass
class Article:
    """One annotated article: its text and gold sentence spans."""

    id: str
    text: str
    gold: Spans


@dataclass
class Counts:
    """Boundary counts, summed over articles."""

    tp: int = 0
    pred: int = 0
    gold: int = 0
    articles: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.pred += other.pred
        self.gold += other.gold
        self.articles += other.articles

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / self.pred if self.pred else 1.0
        r = self.tp / self.gold if self.gold else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Segmenter:
    """A named segmenter and how much of each file it may see."""

    name: str
    fn: Callable[[str], Spans]
    version: str
    slow: bool = False
    errors: list[str] = field(default_factory=list)


def load_articles(path: Path) -> list[Article]:
    """Read annotated articles, checking offsets (fails loudly naming file and line).

    Args:
        path: JSONL file.

    Returns:
        The articles with gold spans.
    """
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            sents = rec["sentences"]
            text = rec.get("text")
            if text is None:
                text = " ".join(s["text"] for s in sents)
            gold: Spans = []
            cursor = 0
            for i, s in enumerate(sents):
                if "start" in s and "end" in s:
                    start, end = s["start"], s["end"]
                else:
                    start = text.find(s["text"], cursor)
                    end = start + len(s["text"])
                if start < 0 or text[start:end] != s["text"]:
                    raise ValueError(f"{path}:{n}: sentences[{i}] does not match text")
                gold.append((start, end))
                cursor = end
            out.append(Article(str(rec.get("id", n)), text, gold))
    return out


def boundaries(text: str, spans: Spans) -> set[int]:
    """Normalised sentence ends, without the article's free final boundary."""
    ends = {start + len(text[start:end].rstrip()) for start, end in spans}
    ends.discard(len(text.rstrip()))
    ends.discard(0)
    return ends


def spans_from_strings(text: str, sentences: Sequence[str]) -> Spans:
    """Map sentence strings back to offsets by searching them in order.

    Args:
        text: The segmented text.
        sentences: The segmenter's sentences, in order.

    Returns:
        Spans of the sentences found (a sentence that cannot be found is skipped).
    """
    spans: Spans = []
    cursor = 0
    for sent in sentences:
        needle = sent.strip()
        if not needle:
            continue
        i = text.find(needle, cursor)
        if i >= 0:
            end = i + len(needle)
        else:  # the library changed whitespace: match non-space characters in order
            chars = [re.escape(c) for c in needle if not c.isspace()]
            m = re.compile(r"\s*".join(chars)).search(text, cursor)
            if m is None:
                continue
            i, end = m.span()
        spans.append((i, end))
        cursor = end
    return spans


_NAIVE = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n\s*\n")


def naive_segment(text: str) -> Spans:
    """Baseline: split after . ! ? (and closing quotes) plus whitespace, and at blank lines."""
    spans: Spans = []
    prev = 0
    for m in _NAIVE.finditer(text):
        spans.append((prev, m.start()))
        prev = m.end()
    spans.append((prev, len(text)))
    out = []
    for start, end in spans:
        piece = text[start:end]
        body = piece.lstrip()
        if body:
            s = start + len(piece) - len(body)
            out.append((s, s + len(body.rstrip())))
    return out


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def build_segmenters() -> list[Segmenter]:
    """eventx, the naive regex, and whichever of blingfire, syntok and pysbd import."""
    segs = [
        Segmenter("eventx", segment, _version("eventx")),
        Segmenter("regex baseline", naive_segment, "-"),
    ]
    try:
        import blingfire

        def bling(text: str) -> Spans:
            if not text.strip():
                return []
            _, offsets = blingfire.text_to_sentences_and_offsets(text)
            return [(int(s), int(e)) for s, e in offsets]

        segs.append(Segmenter("blingfire", bling, _version("blingfire")))
    except ImportError as e:
        print(f"skipping blingfire: {e}")
    try:
        from syntok import segmenter as syntok_segmenter

        def syntok(text: str) -> Spans:
            spans: Spans = []
            for paragraph in syntok_segmenter.analyze(text):
                for sentence in paragraph:
                    tokens = [t for t in sentence if t.value]
                    if tokens:
                        last = tokens[-1]
                        spans.append((tokens[0].offset, last.offset + len(last.value)))
            return spans

        segs.append(Segmenter("syntok", syntok, _version("syntok"), slow=True))
    except ImportError as e:
        print(f"skipping syntok: {e}")
    try:
        import pysbd

        sbd = pysbd.Segmenter(language="en", clean=False)

        def pysbd_segment(text: str) -> Spans:
            return spans_from_strings(text, sbd.segment(text)) if text.strip() else []

        segs.append(Segmenter("pysbd", pysbd_segment, _version("pysbd"), slow=True))
    except ImportError as e:
        print(f"skipping pysbd: {e}")
    return segs


def capped(articles: list[Article], max_chars: int) -> list[Article]:
    """Leading whole articles totalling at most ``max_chars`` characters (at least one)."""
    out, total = [], 0
    for a in articles:
        if out and total + len(a.text) > max_chars:
            break
        out.append(a)
        total += len(a.text)
    return out


def evaluate(seg: Segmenter, articles: list[Article], show_errors: int) -> Counts:
    """Boundary counts of ``seg`` on ``articles``; collects readable errors if asked."""
    counts = Counts()
    for a in articles:
        pred = boundaries(a.text, seg.fn(a.text))
        gold = boundaries(a.text, a.gold)
        counts.add(Counts(len(pred & gold), len(pred), len(gold), 1))
        if len(seg.errors) < show_errors:
            for kind, pos in sorted(
                [("missed", p) for p in gold - pred] + [("spurious", p) for p in pred - gold],
                key=lambda x: x[1],
            ):
                ctx = a.text[max(0, pos - 60) : pos] + " ‖ " + a.text[pos : pos + 40]
                seg.errors.append(f"{a.id} {kind} @{pos}: {ctx!r}")
    return counts


def throughput(fn: Callable[[str], Spans], texts: list[str]) -> float:
    """MB/s (10**6 UTF-8 bytes per second), best of 3 runs over ``texts``."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - t0)
    return size / best / 1e6 if best > 0 else float("inf")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the markdown report and write it to ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="annotated-article JSONL files")
    ap.add_argument(
        "--show-errors",
        type=int,
        default=0,
        metavar="N",
        help="print up to N eventx boundary errors",
    )
    ap.add_argument("--out", type=Path, default=RESULTS, help="markdown report path")
    args = ap.parse_args(argv)

    files: list[Path] = list(args.files)
    if not files:
        files = [GOLD] if GOLD.exists() else []
        corpus = sorted(Path(p) for p in glob.glob(CORPUS_GLOB))
        files += corpus
        print(f"gold file: {GOLD.relative_to(ROOT) if GOLD.exists() else 'missing'}")
        print(f"corpus files found: {[str(p.relative_to(ROOT)) for p in corpus] or 'none'}")
    if not files:
        print("no input files", file=sys.stderr)
        return 1
    data = {p: load_articles(p) for p in files}
    segs = build_segmenters()

    per_file: dict[str, dict[Path, Counts]] = {s.name: {} for s in segs}
    overall: dict[str, Counts] = {s.name: Counts() for s in segs}
    for seg in segs:
        for path, arts in data.items():
            subset = capped(arts, SLOW_EVAL_CHARS) if seg.slow else arts
            c = evaluate(seg, subset, args.show_errors if seg.name == "eventx" else 0)
            per_file[seg.name][path] = c
            overall[seg.name].add(c)

    all_arts = [a for arts in data.values() for a in arts]
    speeds: dict[str, float] = {}
    timed_bytes: dict[str, int] = {}
    for seg in segs:
        subset = capped(all_arts, SLOW_TIMING_CHARS) if seg.slow else all_arts
        texts = [a.text for a in subset]
        timed_bytes[seg.name] = sum(len(t.encode("utf-8")) for t in texts)
        speeds[seg.name] = throughput(seg.fn, texts)

    total_bytes = sum(len(a.text.encode("utf-8")) for a in all_arts)
    lines = [
        "# Sentence segmentation benchmark",
        "",
        f"- date: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"- machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, "
        f"{platform.system()} {platform.release()}",
        f"- python: {platform.python_version()}",
        "- versions: " + ", ".join(f"{s.name} {s.version}" for s in segs if s.version != "-"),
        f"- files: {', '.join(f'`{rel(p)}` ({len(data[p])} articles)' for p in files)}; "
        f"{total_bytes / 1e6:.2f} MB of text",
        "- boundary = sentence end after stripping whitespace; the free end-of-article "
        "boundary is excluded; micro-averaged P/R/F1 (see the script's docstring).",
        f"- MB/s = UTF-8 MB per second, best of 3 runs. syntok and pysbd: accuracy on at most "
        f"{SLOW_EVAL_CHARS:,} characters per file, speed on the first {SLOW_TIMING_CHARS:,} "
        "characters (whole articles).",
        f"- targets for eventx: F1 >= {TARGET_F1}, >= {TARGET_MBS} MB/s.",
        "",
        "## Overall",
        "",
        "| segmenter | articles | gold boundaries | precision | recall | F1 | MB/s | timed on |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for seg in segs:
        c = overall[seg.name]
        p, r, f1 = c.prf()
        lines.append(
            f"| {seg.name} | {c.articles} | {c.gold} | {p:.4f} | {r:.4f} | {f1:.4f} | "
            f"{speeds[seg.name]:.2f} | {timed_bytes[seg.name] / 1e6:.2f} MB |"
        )
    lines += ["", "## Per file (P / R / F1)", ""]
    lines.append("| segmenter | " + " | ".join(f"`{rel(p)}`" for p in files) + " |")
    lines.append("|---|" + "---|" * len(files))
    for seg in segs:
        cells = []
        for path in files:
            c = per_file[seg.name][path]
            p, r, f1 = c.prf()
            note = "" if c.articles == len(data[path]) else f" ({c.articles} art.)"
            cells.append(f"{p:.3f} / {r:.3f} / **{f1:.3f}**{note}")
        lines.append(f"| {seg.name} | " + " | ".join(cells) + " |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(f"written to {rel(args.out)}")
    for seg in segs:
        for err in seg.errors:
            print(err)
    return 0


def rel(path: Path) -> str:
    """``path`` relative to the repository root when it lies inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
