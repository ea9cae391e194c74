"""eventx: which sentences of a news article report an attack, a strike, a condemnation
or a statement, with calibrated probabilities.

    >>> import eventx
    >>> extractor = eventx.load()                 # the shipped default model
    >>> doc = extractor.extract(article_text)
    >>> [(s.start, s.end, s.labels) for s in doc.sentences]

Heavy dependencies (torch, transformers) are imported on first use, so ``import eventx``
stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "LABELS": "eventx.labels",
    "LABEL_DEFINITIONS": "eventx.labels",
    "segment": "eventx.segmentation",
    "AnnotatedArticle": "eventx.data",
    "AnnotatedSentence": "eventx.data",
    "DataValidationError": "eventx.data",
    "read_articles": "eventx.data",
    "write_articles": "eventx.data",
    "load": "eventx.pipeline",
    "Extractor": "eventx.pipeline",
    "Document": "eventx.pipeline",
    "Sentence": "eventx.pipeline",
    "EventClassifier": "eventx.modeling",
    "ModelLoadError": "eventx.modeling",
    "TrainingArguments": "eventx.training_args",
    "train": "eventx.trainer",
    "evaluate": "eventx.scoring",
    "load_corpus": "eventx.corpus",
}

__all__ = [
    "LABELS",
    "LABEL_DEFINITIONS",
    "AnnotatedArticle",
    "AnnotatedSentence",
    "DataValidationError",
    "Document",
    "EventClassifier",
    "Extractor",
    "ModelLoadError",
    "Sentence",
    "TrainingArguments",
    "evaluate",
    "load",
    "load_corpus",
    "read_articles",
    "segment",
    "train",
    "write_articles",
]

if TYPE_CHECKING:
    from eventx.corpus import load_corpus
    from eventx.data import (
        AnnotatedArticle,
        AnnotatedSentence,
        DataValidationError,
        read_articles,
        write_articles,
    )
    from eventx.labels import LABEL_DEFINITIONS, LABELS
    from eventx.modeling import EventClassifier, ModelLoadError
    from eventx.pipeline import Document, Extractor, Sentence, load
    from eventx.scoring import evaluate
    from eventx.segmentation import segment
    from eventx.trainer import train
    from eventx.training_args import TrainingArguments


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eventx' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
