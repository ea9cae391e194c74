"""From article text to labelled sentences: segmentation, tokenization, classification.

`Extractor` is what `eventx.load()` returns. It segments articles with exact character
offsets, classifies every sentence (with its context when the model uses one) in
length-sorted batches, and returns `Document`s of `Sentence`s with calibrated scores.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventx.labels import LABELS
from eventx.segmentation import segment

if TYPE_CHECKING:
    import numpy as np

    from eventx.modeling import EventClassifier, EventxConfig
    from eventx.runtime import Components, Scorer

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "eventx-minilm"
"""Directory name of the shipped default model under ``models/``."""


class TruncationWarning(UserWarning):
    """A sentence longer than the model's token limit was cut before classification."""


@dataclass
class Sentence:
    """A sentence of an article with its character offsets, labels and scores.

    ``text == document.text[start:end]`` always holds.
    """

    start: int
    end: int
    text: str
    labels: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text,
            "labels": self.labels, "scores": self.scores,
        }


@dataclass
class Document:
    """An article and its labelled sentences."""

    text: str
    sentences: list[Sentence]
    id: str | None = None

    @property
    def labels(self) -> list[str]:
        """Union of the sentence labels, in schema order."""
        present = {label for s in self.sentences for label in s.labels}
        return [label for label in LABELS if label in present]

    def events(self, label: str) -> list[Sentence]:
        """Sentences that carry ``label``."""
        return [s for s in self.sentences if label in s.labels]


def default_model_path() -> Path:
    """Where the shipped model lives: ``$EVENTX_MODEL``, else ``models/eventx-minilm``."""
    env = os.environ.get("EVENTX_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME


def split_title(text: str) -> str | None:
    """The first line of an article, when it looks like a headline (used as context)."""
    first = text.lstrip().split("\n", 1)[0].strip()
    return first if first and len(first) < 200 else None


class Extractor:
    """Labels the sentences of news articles.

    Extraction runs on an inference copy of the model (`eventx.runtime`), made on first
    use: changes to the classifier's weights after that are not seen.

    Args:
        classifier: A trained `EventClassifier`; may be None when ``components`` are given
            (`load` does that, and loads the classifier only if it is asked for).
        batch_size: Most sentences per forward pass (short sentences are also grouped
            under a token budget, see `eventx.runtime.Scorer`).
        precision: ``"fp32"``, ``"int8"`` (dynamic quantization of the encoder's linear
            layers), ``"mixed"`` (of its attention layers only), or ``"auto"``: the
            fastest scheme whose accuracy check, recorded in the model directory, passed
            (see `eventx.quantization`), else fp32.
        threads: CPU threads for the forward passes: batches run side by side on this
            many single-core threads (see `eventx.runtime.Scorer`); None: every
            available CPU.
        components: Tokenizer, config and forward loaded by `eventx.runtime`.
        model_dir: Where the model was loaded from (for ``"auto"`` and lazy loading).
    """

    def __init__(
        self,
        classifier: EventClassifier | None = None,
        batch_size: int = 64,
        precision: str = "auto",
        threads: int | None = None,
        *,
        components: Components | None = None,
        model_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        from eventx.quantization import resolve_precision

        if classifier is None and components is None:
            raise ValueError("Extractor needs a classifier or loaded components")
        self._classifier = classifier
        self._components = components
        self.model_dir = Path(model_dir) if model_dir is not None else (
            classifier.source_dir if classifier is not None else None)
        self.batch_size = batch_size
        self.precision = resolve_precision(precision, self.model_dir)
        self.threads = threads
        self._scorer: Scorer | None = None

    @property
    def classifier(self) -> EventClassifier:
        """The Hugging Face classifier (loaded on first access when `load` skipped it)."""
        if self._classifier is None:
            from eventx.runtime import load_classifier

            if self.model_dir is None:
                raise ValueError("this extractor has no model directory to load from")
            self._classifier = load_classifier(self.model_dir)
        return self._classifier

    @property
    def components(self) -> Components:
        """Config, tokenizer and fp32 forward used for extraction."""
        if self._components is None:
            from eventx.runtime import components_from_classifier

            self._components = components_from_classifier(self.classifier)
        return self._components

    @property
    def scorer(self) -> Scorer:
        """The inference engine in this extractor's precision (built on first use)."""
        if self._scorer is None:
            from eventx.runtime import available_cpus

            self._scorer = self.components.scorer(
                self.precision, workers=self.threads or available_cpus())
        return self._scorer

    def with_precision(self, precision: str) -> Extractor:
        """The same model in another precision (shares the loaded weights)."""
        return Extractor(self._classifier, self.batch_size, precision, self.threads,
                         components=self.components, model_dir=self.model_dir)

    @property
    def config(self) -> EventxConfig:
        """The model's eventx settings (thresholds, temperatures, context mode)."""
        if self._components is not None:
            return self._components.config
        return self.classifier.config

    @property
    def thresholds(self) -> list[float]:
        """Per-label decision thresholds on the calibrated probabilities."""
        return list(self.config.thresholds)

    def extract(self, text: str, id: str | None = None) -> Document:
        """Segment one article and label each sentence.

        Args:
            text: The article text (headline and dateline lines allowed).
            id: Optional article id carried into the result.

        Returns:
            A `Document`; empty text gives a document with no sentences.
        """
        return next(self.extract_many([text], ids=[id] if id is not None else None))

    def extract_many(
        self,
        texts: Iterable[str],
        ids: Iterable[str] | None = None,
        batch_size: int | None = None,
        articles_per_chunk: int = 256,
        show_progress_bar: bool = False,
    ) -> Iterator[Document]:
        """Label many articles, streaming: articles are read and yielded chunk by chunk.

        Args:
            texts: Article texts; any iterable, consumed lazily.
            ids: Optional ids, parallel to ``texts``.
            batch_size: Sentences per forward pass (default: the extractor's).
            articles_per_chunk: Articles segmented and classified together; sentences
                of a chunk are sorted by length across articles to minimise padding.
            show_progress_bar: Show a tqdm bar over articles.

        Yields:
            One `Document` per input text, in input order.
        """
        id_iter = iter(ids) if ids is not None else None
        progress = None
        if show_progress_bar:
            from tqdm.auto import tqdm

            progress = tqdm(unit="article", desc="extract")
        chunk: list[tuple[str | None, str]] = []
        for text in texts:
            art_id = next(id_iter) if id_iter is not None else None
            chunk.append((art_id, text))
            if len(chunk) >= articles_per_chunk:
                yield from self._run_chunk(chunk, batch_size or self.batch_size)
                if progress is not None:
                    progress.update(len(chunk))
                chunk = []
        if chunk:
            yield from self._run_chunk(chunk, batch_size or self.batch_size)
            if progress is not None:
                progress.update(len(chunk))
        if progress is not None:
            progress.close()

    def predict_sentences(
        self,
        sentences: Sequence[str],
        contexts: Sequence[str | None] | None = None,
        batch_size: int | None = None,
    ) -> list[Sentence]:
        """Label pre-split sentences (offsets are into each sentence itself).

        A model's context segment (if it uses one) comes from the neighbouring sentences
        of the list; the keyword scores of rule fusion take each sentence on its own.

        Args:
            sentences: Sentence strings.
            contexts: Optional context segment per sentence (for models trained with one).
            batch_size: Sentences per forward pass.
        """
        if contexts is None and self.config.context != "none":
            from eventx.modeling import context_for

            contexts = [context_for(sentences, i, self.config.context) for i in
                        range(len(sentences))]
        probs = self._probabilities(list(sentences), contexts, batch_size or self.batch_size)
        labels, scores = self._decisions(probs)
        return [Sentence(0, len(s), s, y, p) for s, y, p in zip(sentences, labels, scores)]

    def predict_proba_articles(
        self,
        articles: Sequence[tuple[str | None, Sequence[str]]],
        batch_size: int | None = None,
        show_progress_bar: bool = False,
    ) -> list[list[list[float]]]:
        """Calibrated probabilities for segmented articles (the scorer's entry point).

        Args:
            articles: ``(title, sentences)`` per article.
            batch_size: Sentences per forward pass.
            show_progress_bar: Show a tqdm bar over batches of articles.

        Returns:
            For each article, one list of per-label probabilities per sentence.
        """
        from tqdm.auto import tqdm

        from eventx.modeling import context_for

        use_ctx = self.config.context != "none"
        out: list[list[list[float]]] = []
        step = 256
        for k in tqdm(range(0, len(articles), step), desc="predict", unit="chunk",
                      disable=not show_progress_bar):
            chunk = articles[k : k + step]
            texts: list[str] = []
            contexts: list[str | None] = []
            for title, sents in chunk:
                for i, s in enumerate(sents):
                    texts.append(s)
                    contexts.append(context_for(sents, i, self.config.context, title))
            probs = self._probabilities(texts, contexts if use_ctx else None,
                                        batch_size or self.batch_size,
                                        rule_scores=self._rule_scores(chunk)).tolist()
            j = 0
            for _, sents in chunk:
                out.append(probs[j : j + len(sents)])
                j += len(sents)
        return out

    # ----------------------------------------------------------------- internals
    def _run_chunk(
        self, chunk: list[tuple[str | None, str]], batch_size: int
    ) -> Iterator[Document]:
        from eventx.runtime import release_memory

        spans_per_doc: list[list[tuple[int, int]]] = []
        texts: list[str] = []
        contexts: list[str | None] = []
        where: list[tuple[str | None, int, int]] = []
        mode = self.config.context
        if mode != "none":
            from eventx.modeling import context_for
        for art_id, text in chunk:
            spans = segment(text)
            spans_per_doc.append(spans)
            sents = [text[a:b] for a, b in spans]
            texts.extend(sents)
            where.extend((art_id, a, b) for a, b in spans)
            if mode != "none":
                title = split_title(text) if mode == "title" else None
                contexts.extend(context_for(sents, i, mode, title) for i in range(len(sents)))
        rules = self._rule_scores(
            [(None, texts[a:b]) for a, b in _bounds([len(sp) for sp in spans_per_doc])]
        )
        probs = self._probabilities(texts, contexts if mode != "none" else None, batch_size,
                                    where=where, rule_scores=rules)
        labels, scores = self._decisions(probs)
        release_memory()
        k = 0
        for (art_id, text), spans in zip(chunk, spans_per_doc):
            sentences = [
                Sentence(a, b, texts[k + i], labels[k + i], scores[k + i])
                for i, (a, b) in enumerate(spans)
            ]
            k += len(spans)
            yield Document(text=text, sentences=sentences, id=art_id)

    def _probabilities(
        self,
        texts: list[str],
        contexts: Sequence[str | None] | None,
        batch_size: int,
        where: Sequence[tuple[str | None, int, int]] | None = None,
        rule_scores: np.ndarray | None = None,
    ) -> np.ndarray:
        truncated: list[int] = []
        probs = self.scorer.probabilities(texts, contexts, batch_size, truncated, rule_scores)
        for i in sorted(truncated):
            art, start, end = where[i] if where else (None, 0, len(texts[i]))
            name = f"article {art!r}: " if art is not None else ""
            warnings.warn(
                f"{name}sentence at characters {start}-{end} is longer than "
                f"{self.config.max_length} tokens and was truncated",
                TruncationWarning, stacklevel=4,
            )
        return probs

    def _rule_scores(
        self, articles: Sequence[tuple[str | None, Sequence[str]]]
    ) -> np.ndarray | None:
        """Keyword-coder scores in article context, for a model with rule fusion."""
        if not self.config.fusion:
            return None
        from eventx.fusion import article_rule_scores

        return article_rule_scores(articles)

    def _decisions(self, probs: np.ndarray) -> tuple[list[list[str]], list[dict[str, float]]]:
        """Labels (probability >= threshold) and 4-decimal scores for every row at once."""
        import numpy as np

        wide = probs.astype(np.float64)
        on = (wide >= np.asarray(self.config.thresholds, dtype=np.float64)).tolist()
        rounded = np.round(wide, 4).tolist()
        labels = [[lab for lab, y in zip(LABELS, row) if y] for row in on]
        scores = [dict(zip(LABELS, row)) for row in rounded]
        return labels, scores


def _bounds(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """``(start, end)`` of consecutive runs of the given sizes."""
    out, start = [], 0
    for n in sizes:
        out.append((start, start + n))
        start += n
    return out


def load(
    path: str | os.PathLike[str] | None = None,
    batch_size: int = 64,
    precision: str = "auto",
    threads: int | None = None,
) -> Extractor:
    """Load an extractor: the shipped default model, or a model directory.

    Args:
        path: A directory written by `EventClassifier.save_pretrained` (or `eventx train`);
            None loads the shipped default model.
        batch_size: Most sentences per forward pass.
        precision: ``"auto"`` (the quantization the model's recorded accuracy check
            allows, see `eventx.quantization`), ``"fp32"``, ``"int8"`` or ``"mixed"``.
        threads: CPU threads for extraction; None: every available CPU (see
            `Extractor`). A number also becomes torch's thread count.

    Raises:
        ModelLoadError: If the directory is missing or not a compatible eventx model.
        ValueError: On an unknown precision.
    """
    from eventx.modeling import ModelLoadError
    from eventx.quantization import resolve_precision
    from eventx.runtime import load_components, set_threads

    resolve_precision(precision, None)  # fail on a bad value before the slow load
    target = Path(path) if path is not None else default_model_path()
    if path is None and not target.is_dir():
        raise ModelLoadError(
            f"the default model is not at {target}; pass a model directory or set EVENTX_MODEL"
        )
    if threads:
        set_threads(threads)
    return Extractor(batch_size=batch_size, precision=precision, threads=threads,
                     components=load_components(target), model_dir=target)
