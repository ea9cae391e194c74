"""Scoring a model on annotated articles, label by label.

Analysts need to know how well a model does on *their* articles before they trust its
event counts, so `evaluate` reports per-label precision/recall/F1, averages, a bootstrap
confidence interval that resamples whole articles (sentences of one article are not
independent), ranking quality (average precision) and calibration (ECE). It keeps every
scored unit, so `eventx.reports` can list the errors and draw the plots.

Any object with a ``thresholds`` list and ``predict_proba_articles`` can be scored: the
fine-tuned `eventx.pipeline.Extractor` and the baselines of `eventx.baselines` alike.

    >>> from eventx.scoring import evaluate
    >>> result = evaluate(eventx.load(), "my_articles.jsonl", labels="attack,strike")
    >>> result.macro_f1, result.per_label["attack"]["recall"]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from eventx.data import AnnotatedArticle, read_articles
from eventx.labels import LABEL2ID, LABELS, parse_label_list

LEVELS: tuple[str, ...] = ("sentence", "article")

Span = tuple[int, int]
Segmenter = Callable[[str], list[Span]]


@runtime_checkable
class ScorableModel(Protocol):
    """What `evaluate` needs from a model (`Extractor` and the baselines have it)."""

    @property
    def thresholds(self) -> list[float]: ...

    def predict_proba_articles(
        self,
        articles: Sequence[tuple[str | None, Sequence[str]]],
        batch_size: int | None = None,
        show_progress_bar: bool = False,
    ) -> list[list[list[float]]]: ...


@dataclass
class ScoredUnit:
    """One scored unit: a gold sentence, a snippet, an article, or an unmatched prediction.

    ``kind`` is ``"sentence"``, ``"snippet"``, ``"article"``, ``"missed"`` (a gold sentence
    no predicted sentence was aligned to) or ``"spurious"`` (a predicted sentence aligned
    to no gold sentence; its offsets are the predicted ones). ``pred_spans`` are the
    predicted sentences whose scores make up the unit (end-to-end mode and snippets).
    Labels and scores cover the scored labels only.
    """

    article_id: str
    kind: str
    start: int
    end: int
    text: str
    gold: list[str]
    pred: list[str]
    scores: dict[str, float]
    pred_spans: list[Span] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        """Whether the predicted label set equals the gold one."""
        return self.gold == self.pred

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "article": self.article_id, "kind": self.kind, "start": self.start,
            "end": self.end, "text": self.text, "gold": self.gold, "pred": self.pred,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
        }
        if self.pred_spans:
            out["pred_spans"] = [list(s) for s in self.pred_spans]
        return out


@dataclass
class EvaluationResult:
    """Metrics of one model on one data set, and the scored units behind them.

    ``to_dict()`` gives the JSON of ``eventx evaluate --json``; the arrays ``y_true``,
    ``y_pred`` and ``y_prob`` (units x scored labels) and ``groups`` (the article index
    of each unit) are kept for reports and plots.
    """

    labels: list[str]
    level: str
    end_to_end: bool
    n_articles: int
    n_sentences: int
    macro_f1: float
    micro_f1: float
    samples_f1: float
    exact_match: float
    any_event: dict[str, float]
    macro_f1_ci: tuple[float, float] | None
    ece: float
    per_label: dict[str, dict[str, Any]]
    thresholds: dict[str, float]
    units: list[ScoredUnit]
    y_true: np.ndarray
    y_pred: np.ndarray
    y_prob: np.ndarray
    groups: np.ndarray
    alignment: dict[str, int] | None = None
    warnings: list[str] = field(default_factory=list)
    n_bootstrap: int = 0
    seed: int = 0
    model: str | None = None
    data: str | None = None

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def errors(self) -> list[ScoredUnit]:
        """Units whose predicted label set differs from the gold one."""
        return [u for u in self.units if not u.correct]

    def to_dict(self, include_units: bool = False) -> dict[str, Any]:
        """A JSON-ready summary (``include_units`` adds every scored unit)."""
        out: dict[str, Any] = {
            "model": self.model, "data": self.data, "level": self.level,
            "end_to_end": self.end_to_end, "labels": self.labels,
            "n_articles": self.n_articles, "n_sentences": self.n_sentences,
            "n_units": self.n_units,
            "macro_f1": self.macro_f1,
            "macro_f1_ci": list(self.macro_f1_ci) if self.macro_f1_ci else None,
            "micro_f1": self.micro_f1, "samples_f1": self.samples_f1,
            "exact_match": self.exact_match, "any_event_f1": self.any_event["f1"],
            "any_event": self.any_event, "ece": self.ece, "per_label": self.per_label,
            "thresholds": self.thresholds, "alignment": self.alignment,
            "n_bootstrap": self.n_bootstrap, "seed": self.seed, "warnings": self.warnings,
        }
        if include_units:
            out["units"] = [u.to_json() for u in self.units]
        return out


def align_spans(gold: Sequence[Span], pred: Sequence[Span]) -> tuple[dict[int, int], list[int]]:
    """Align predicted sentences to gold ones, one to one, by character overlap.

    Every (gold, predicted) pair that shares at least one character is a candidate;
    candidates are taken greedily from the largest overlap down (ties: earlier gold, then
    earlier predicted sentence), skipping pairs whose gold or predicted sentence is already
    taken. A gold sentence split in two is thus matched to its larger part; two gold
    sentences merged into one are matched to the one sharing more characters with it.

    Args:
        gold: Gold ``(start, end)`` spans, in order, not overlapping.
        pred: Predicted spans, in order, not overlapping.

    Returns:
        ``{gold index: predicted index}`` for the matched pairs, and the indices of
        predicted sentences left unmatched (gold indices not in the dict are unmatched).
    """
    candidates: list[tuple[int, int, int]] = []
    first = 0
    for i, (gs, ge) in enumerate(gold):
        while first < len(pred) and pred[first][1] <= gs:
            first += 1
        j = first
        while j < len(pred) and pred[j][0] < ge:
            overlap = min(ge, pred[j][1]) - max(gs, pred[j][0])
            if overlap > 0:
                candidates.append((-overlap, i, j))
            j += 1
    matches: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in sorted(candidates):
        if i not in matches and j not in taken:
            matches[i] = j
            taken.add(j)
    return matches, [j for j in range(len(pred)) if j not in taken]


def _load(data: str | os.PathLike[str] | Sequence[AnnotatedArticle]) -> list[AnnotatedArticle]:
    if isinstance(data, (str, os.PathLike)):
        return read_articles(data)
    return list(data)


def _check_probabilities(
    probs: list[list[list[float]]], inputs: list[tuple[str | None, list[str]]]
) -> None:
    """Fail loudly when a model returns the wrong shape (a silent misalignment would lie)."""
    if len(probs) != len(inputs):
        raise ValueError(f"model returned {len(probs)} articles for {len(inputs)}")
    for k, (rows, (_, sents)) in enumerate(zip(probs, inputs, strict=True)):
        if len(rows) != len(sents):
            raise ValueError(f"model returned {len(rows)} rows for the {len(sents)} sentences "
                             f"of article #{k}")
        for row in rows:
            if len(row) != len(LABELS):
                raise ValueError(f"model returned {len(row)} probabilities, expected "
                                 f"{len(LABELS)} (one per label in {list(LABELS)})")


def evaluate(
    model: ScorableModel,
    data: str | os.PathLike[str] | Sequence[AnnotatedArticle],
    *,
    labels: str | Sequence[str] | None = None,
    level: str = "sentence",
    end_to_end: bool = False,
    batch_size: int = 64,
    show_progress_bar: bool = False,
    n_bootstrap: int = 1000,
    seed: int = 0,
    segmenter: Segmenter | None = None,
) -> EvaluationResult:
    """Score a model on annotated articles.

    Units: by default every gold sentence is classified (with ``article.title`` as the
    title context) and compared with its gold labels. With ``end_to_end=True`` the model
    sees only ``article.text``: it is segmented (title context: its first line, as
    ``eventx extract`` does) and predicted sentences are aligned to gold ones with
    `align_spans` (one to one, greatest character overlap first). A matched gold sentence
    takes its predicted sentence's scores; an unmatched gold sentence predicts nothing, so
    its gold labels are false negatives; an unmatched predicted sentence is scored
    against the empty set, so its predicted labels are false positives. A labelled snippet
    is always segmented (it may hold 1-3 sentences) and scored as one unit: the max of
    its sentences' probabilities, hence the union of their labels. With
    ``level="article"`` each article is one unit: the union of its gold labels against the
    max over all its predicted sentences.

    Args:
        model: Anything with ``thresholds`` and ``predict_proba_articles``.
        data: A JSONL path or a list of `AnnotatedArticle`.
        labels: Labels to score (``"attack,strike"`` or a list); None scores all four.
            Use it for data that annotated only some labels.
        level: ``"sentence"`` or ``"article"``.
        end_to_end: Segment the article text instead of using the gold sentences.
        batch_size: Sentences per forward pass.
        show_progress_bar: Show the model's progress bar (stderr).
        n_bootstrap: Bootstrap resamples of whole articles for the 95% CI of macro-F1
            (0: no CI).
        seed: Seed of the bootstrap.
        segmenter: Sentence splitter returning ``(start, end)`` spans; default
            `eventx.segmentation.segment`.

    Returns:
        An `EvaluationResult`.

    Raises:
        DataValidationError: If ``data`` is a path to a file with problems.
        UnknownLabelError: If ``labels`` names a label outside the schema.
        ValueError: On an unknown level, no articles, or a model output of the wrong shape.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    scored = parse_label_list(labels)
    articles = _load(data)
    if not articles:
        raise ValueError("no articles to score")
    if segmenter is None:
        from eventx.segmentation import segment as segmenter
    from eventx.pipeline import split_title

    inputs: list[tuple[str | None, list[str]]] = []
    spans: list[list[Span]] = []
    for article in articles:
        title = article.title
        if article.is_snippet or end_to_end:
            found = [(a, b) for a, b in segmenter(article.text) if b > a]
            if article.is_snippet and not found:
                found = [(0, len(article.text))]
            if not article.is_snippet:
                title = split_title(article.text)  # all `eventx extract` would know
            sentences = [article.text[a:b] for a, b in found]
        else:
            found = [(s.start, s.end) for s in article.sentences]
            sentences = [s.text for s in article.sentences]
        spans.append(found)
        inputs.append((title, sentences))

    probs = model.predict_proba_articles(inputs, batch_size=batch_size,
                                         show_progress_bar=show_progress_bar)
    _check_probabilities(probs, inputs)
    cols = [LABEL2ID[label] for label in scored]
    thresholds = np.asarray(model.thresholds, dtype=float)[cols]
    builder = _UnitBuilder(scored, cols, thresholds)
    alignment = {"n_predicted": 0, "n_matched": 0, "n_exact": 0, "n_missed": 0,
                 "n_spurious": 0} if end_to_end else None
    for k, (article, rows, found) in enumerate(zip(articles, probs, spans, strict=True)):
        p = np.asarray(rows, dtype=float).reshape(-1, len(LABELS))
        if level == "article" or article.is_snippet:
            kind = "snippet" if article.is_snippet else "article"
            builder.add(k, article, kind, 0, len(article.text), article.text,
                        article.labels, p, found)
        elif not end_to_end:
            for i, s in enumerate(article.sentences):
                builder.add(k, article, "sentence", s.start, s.end, s.text, s.labels,
                            p[i : i + 1], [])
        else:
            gold = [(s.start, s.end) for s in article.sentences]
            matches, spurious = align_spans(gold, found)
            for i, s in enumerate(article.sentences):
                j = matches.get(i)
                builder.add(k, article, "sentence" if j is not None else "missed", s.start,
                            s.end, s.text, s.labels, p[j : j + 1] if j is not None else p[:0],
                            [found[j]] if j is not None else [])
            for j in spurious:
                a, b = found[j]
                builder.add(k, article, "spurious", a, b, article.text[a:b], [], p[j : j + 1],
                            [found[j]])
            assert alignment is not None
            alignment["n_predicted"] += len(found)
            alignment["n_matched"] += len(matches)
            alignment["n_exact"] += sum(gold[i] == found[j] for i, j in matches.items())
            alignment["n_missed"] += len(gold) - len(matches)
            alignment["n_spurious"] += len(spurious)

    y_true, y_pred, y_prob, groups = builder.arrays()
    metrics = compute_metrics(y_true, y_pred, y_prob, scored, groups,
                              n_bootstrap=n_bootstrap, seed=seed)
    for label, t in zip(scored, thresholds, strict=True):
        metrics["per_label"][label]["threshold"] = float(t)
    return EvaluationResult(
        labels=scored, level=level, end_to_end=end_to_end, n_articles=len(articles),
        n_sentences=sum(len(a.sentences) for a in articles),
        thresholds={label: float(t) for label, t in zip(scored, thresholds, strict=True)},
        units=builder.units, y_true=y_true, y_pred=y_pred, y_prob=y_prob, groups=groups,
        alignment=alignment, n_bootstrap=n_bootstrap, seed=seed,
        data=str(data) if isinstance(data, (str, os.PathLike)) else None, **metrics,
    )


class _UnitBuilder:
    """Collects scored units and their rows of the label matrices."""

    def __init__(self, labels: list[str], cols: list[int], thresholds: np.ndarray) -> None:
        self.labels, self.cols, self.thresholds = labels, cols, thresholds
        self.units: list[ScoredUnit] = []
        self.true: list[list[int]] = []
        self.prob: list[np.ndarray] = []
        self.groups: list[int] = []

    def add(self, k: int, article: AnnotatedArticle, kind: str, start: int, end: int,
            text: str, gold: Sequence[str], rows: np.ndarray, pred_spans: list[Span]) -> None:
        """Add one unit whose probabilities are the max over ``rows`` (0 when empty)."""
        prob = rows[:, self.cols].max(axis=0) if len(rows) else np.zeros(len(self.cols))
        decided = prob >= self.thresholds
        gold_set = set(gold)
        y = [int(label in gold_set) for label in self.labels]
        self.units.append(ScoredUnit(
            article.id, kind, start, end, text,
            gold=[label for label, on in zip(self.labels, y, strict=True) if on],
            pred=[label for label, on in zip(self.labels, decided, strict=True) if on],
            scores={label: float(p) for label, p in zip(self.labels, prob, strict=True)},
            pred_spans=list(pred_spans),
        ))
        self.true.append(y)
        self.prob.append(prob)
        self.groups.append(k)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n = len(self.labels)
        y_true = np.asarray(self.true, dtype=int).reshape(-1, n)
        y_prob = np.asarray(self.prob, dtype=float).reshape(-1, n)
        y_pred = (y_prob >= self.thresholds[None, :]).astype(int)
        return y_true, y_pred, y_prob, np.asarray(self.groups, dtype=int)


def _f1_from_counts(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros(denom.shape, dtype=float), where=denom > 0)


def bootstrap_macro_f1_ci(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    groups: np.ndarray,
    n_bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap CI of macro-F1, resampling whole articles with replacement.

    Sentences of one article share topic and style, so resampling them independently
    would make the interval too narrow; articles are the independent draws.

    Args:
        y_true: 0/1 array, units x labels.
        y_pred: 0/1 array of the same shape.
        groups: Article index of each unit.
        n_bootstrap: Number of resamples.
        seed: Seed of the generator.
        confidence: Coverage of the interval.

    Returns:
        ``(low, high)``.
    """
    t, p = y_true.astype(bool), y_pred.astype(bool)
    _, g = np.unique(groups, return_inverse=True)
    n_groups, n_labels = int(g.max()) + 1, t.shape[1]
    counts = np.zeros((3, n_groups, n_labels))
    for c, m in enumerate((t & p, ~t & p, t & ~p)):
        np.add.at(counts[c], g, m)
    rng = np.random.default_rng(seed)
    scores = np.empty(n_bootstrap)
    step = max(1, 2_000_000 // max(n_groups, 1))
    for lo in range(0, n_bootstrap, step):
        b = min(step, n_bootstrap - lo)
        weights = np.zeros((b, n_groups))
        np.add.at(weights, (np.arange(b)[:, None], rng.integers(0, n_groups, (b, n_groups))), 1)
        tp, fp, fn = (weights @ counts[c] for c in range(3))
        scores[lo : lo + b] = _f1_from_counts(tp, fp, fn).mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(scores, [alpha, 1 - alpha])
    return float(low), float(high)


def compute_metrics(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    y_prob: np.ndarray,
    labels: Sequence[str],
    groups: np.ndarray | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """All scores from unit x label matrices (scikit-learn wherever it has them).

    F1, precision and recall of a label with nothing to count are 0 (``zero_division=0``),
    as in scikit-learn; a sample (unit) with neither gold nor predicted labels counts as
    fully right in ``samples_f1``. Average precision is None for a label with no gold unit.

    Args:
        y_true: 0/1 array, units x labels.
        y_pred: 0/1 decisions, same shape.
        y_prob: Probabilities, same shape.
        labels: Names of the columns.
        groups: Article index of each unit, for the bootstrap (default: one per unit).
        n_bootstrap: Resamples for the CI of macro-F1 (0: none).
        seed: Bootstrap seed.

    Returns:
        A dict with the `EvaluationResult` metric fields.
    """
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    from eventx.calibration import expected_calibration_error

    labels = list(labels)
    n = len(y_true)
    if n == 0:
        raise ValueError("nothing to score: the data holds no sentences")
    # Column by column, as binary problems: scikit-learn reads a one-column indicator
    # matrix as a binary target with two classes, which would be wrong for --labels X.
    per_label: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    for j, label in enumerate(labels):
        t, p = y_true[:, j], y_pred[:, j]
        precision, recall, f1, _ = precision_recall_fscore_support(
            t, p, average="binary", zero_division=0
        )
        (tn, fp), (fn, tp) = confusion_matrix(t, p, labels=[0, 1])
        has_pos = bool(t.any())
        ap = float(average_precision_score(t, y_prob[:, j])) if has_pos else None
        per_label[label] = {
            "precision": float(precision), "recall": float(recall), "f1": float(f1),
            "support": int(t.sum()), "tp": int(tp), "fp": int(fp), "fn": int(fn),
            "tn": int(tn), "n_predicted": int(tp + fp), "average_precision": ap,
            "ece": expected_calibration_error(y_prob[:, j], t),
        }
        if not has_pos:
            warnings.append(f"no gold unit has label {label!r}: its F1 is 0 (or meaningless) "
                            "and pulls macro-F1 down; if the data did not annotate it, score "
                            "only annotated labels (--labels)")
    exact = float(accuracy_score(y_true, y_pred)) if len(labels) > 1 else \
        float(np.mean(y_true[:, 0] == y_pred[:, 0]))
    any_true, any_pred = y_true.any(axis=1), y_pred.any(axis=1)
    a_p, a_r, a_f, _ = precision_recall_fscore_support(
        any_true, any_pred, average="binary", zero_division=0
    )
    ci = None
    if n_bootstrap > 0:
        ci = bootstrap_macro_f1_ci(y_true, y_pred,
                                   np.arange(n) if groups is None else groups,
                                   n_bootstrap, seed)
    return {
        "macro_f1": float(np.mean([v["f1"] for v in per_label.values()])),
        # Micro-F1 pools every (unit, label) decision: the binary F1 of the flattened arrays.
        "micro_f1": float(f1_score(y_true.ravel(), y_pred.ravel(), zero_division=0)),
        # One label: a unit's F1 is 1 when right and 0 when wrong, i.e. exact match.
        "samples_f1": float(f1_score(y_true, y_pred, average="samples", zero_division=1.0))
        if len(labels) > 1 else exact,
        "exact_match": exact,
        "any_event": {"precision": float(a_p), "recall": float(a_r), "f1": float(a_f),
                      "support": int(any_true.sum())},
        "macro_f1_ci": ci,
        "ece": expected_calibration_error(y_prob, y_true),
        "per_label": per_label,
        "warnings": warnings,
    }


def load_model(spec: str | os.PathLike[str] | None = None, batch_size: int = 64) -> ScorableModel:
    """Load what ``eventx evaluate --model`` names.

    Args:
        spec: None for the shipped model; ``"keyword"`` for `KeywordBaseline`;
            ``"tfidf:DIR"`` (or a directory holding a saved `TfidfBaseline`) for the
            TF-IDF baseline; any other value is a model directory.
        batch_size: Sentences per forward pass of a neural model.

    Raises:
        ModelLoadError: If the model cannot be loaded.
    """
    from eventx.baselines import KeywordBaseline, TfidfBaseline, is_tfidf_dir

    if spec is not None:
        text = str(spec)
        if text == "keyword":
            return KeywordBaseline()
        if text.startswith("tfidf:"):
            return TfidfBaseline.load(text[len("tfidf:"):])
        if is_tfidf_dir(text):
            return TfidfBaseline.load(text)
    from eventx.pipeline import load

    return load(spec, batch_size=batch_size)
