"""The eventx corpus: hand-written news articles annotated sentence by sentence.

Shipped inside the package (``eventx/corpus_data``), so it loads offline in one call.
See ``eventx/corpus_data/README.md`` (the data card) for how it was written and
annotated, the agreement figures and its limits.
"""

from __future__ import annotations

import importlib.resources
import re
from pathlib import Path
from typing import TYPE_CHECKING

from eventx.data import AnnotatedArticle, read_articles, to_dataset

if TYPE_CHECKING:
    import datasets

SPLITS: tuple[str, ...] = ("train", "validation", "test", "test_unseen")
_WORD = re.compile(r"\w+")
"""``test_unseen`` holds whole conflict settings that appear in no other split."""


def corpus_dir() -> Path:
    """Directory holding the shipped corpus files."""
    return Path(str(importlib.resources.files("eventx") / "corpus_data"))


def corpus_file(split: str) -> Path:
    """Path of one split's JSONL file (SPEC format, with offsets)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    path = corpus_dir() / f"{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"corpus split {split!r} is missing at {path}")
    return path


def load_articles(split: str) -> list[AnnotatedArticle]:
    """The articles of one split (setting, domain and register are in ``article.extra``)."""
    return read_articles(corpus_file(split))


def load_corpus(splits: tuple[str, ...] = SPLITS) -> datasets.DatasetDict:
    """The corpus as a `datasets.DatasetDict`, one row per sentence.

    Args:
        splits: Which splits to load (default: all four).

    Returns:
        A DatasetDict keyed by split, with columns ``article_id``, ``sentence_index``,
        ``start``, ``end``, ``text``, ``title``, ``labels``, ``label_vector``.
    """
    import datasets

    return datasets.DatasetDict({s: to_dataset(load_articles(s)) for s in splits})


def _five_grams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}


def near_duplicates(texts: list[str], overlap: float = 0.5) -> list[int]:
    """Indices of texts whose word 5-grams overlap another text's by more than ``overlap``.

    The overlap of text *a* with text *b* is the share of *a*'s distinct 5-grams that
    also occur in *b*; texts under five words have no 5-grams and never count.
    """
    from collections import Counter, defaultdict

    grams = [_five_grams(t) for t in texts]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for gram in g:
            index[gram].append(i)
    flagged = []
    for i, g in enumerate(grams):
        if not g:
            continue
        shared: Counter[int] = Counter()
        for gram in g:
            shared.update(j for j in index[gram] if j != i)
        if shared and max(shared.values()) / len(g) > overlap:
            flagged.append(i)
    return flagged
