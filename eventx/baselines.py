"""Two baselines that score like any eventx model: a keyword coder and TF-IDF + logistic.

A fine-tuned model is only worth shipping if it beats what a careful analyst could write
by hand (`KeywordBaseline`, the dictionary coder of `eventx.keyword_coder`, written from
ANNOTATION.md) and a classic bag-of-words classifier (`TfidfBaseline`). Both have the
scorer's interface (``thresholds`` and ``predict_proba_articles``), so

    >>> evaluate(KeywordBaseline(), "articles.jsonl")
    >>> evaluate(TfidfBaseline().fit(train, dev=dev), "articles.jsonl")

and ``eventx evaluate --model keyword`` / ``--model tfidf:DIR`` work like a model dir.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eventx.data import AnnotatedArticle, read_articles
from eventx.keyword_coder import ArticleInput, KeywordBaseline, keyword_scores
from eventx.labels import LABELS

__all__ = ["KeywordBaseline", "TfidfBaseline", "is_tfidf_dir", "keyword_scores"]

# --------------------------------------------------------------------------- TF-IDF
TFIDF_CONFIG = "tfidf_config.json"
TFIDF_PIPELINE = "pipeline.joblib"


def _units(articles: Sequence[AnnotatedArticle]) -> tuple[list[str], np.ndarray]:
    """Training texts and targets: every gold sentence, and each snippet as one text."""
    texts = [s.text for a in articles for s in a.sentences]
    targets = [[int(label in s.labels) for label in LABELS]
               for a in articles for s in a.sentences]
    return texts, np.asarray(targets, dtype=int).reshape(-1, len(LABELS))


class TfidfBaseline:
    """TF-IDF features and one logistic regression per label (scikit-learn).

    Word uni- and bigrams carry the event vocabulary ("air strike", "police said"); char
    n-grams within words catch inflections and names the word vocabulary has not seen.
    Thresholds are tuned per label for F1 on a dev set when one is given (else 0.5).

    Args:
        C: Inverse regularisation strength of the logistic regressions.
        char_ngrams: Add character 2-5-grams to the word features.
        class_weight: Passed to `LogisticRegression` (None keeps probabilities calibrated).
        seed: Random state of the solver.
    """

    name = "tfidf"

    def __init__(self, C: float = 10.0, char_ngrams: bool = True,
                 class_weight: str | None = None, seed: int = 0) -> None:
        self.C = C
        self.char_ngrams = char_ngrams
        self.class_weight = class_weight
        self.seed = seed
        self._thresholds = [0.5] * len(LABELS)
        self.pipeline: Any = None

    @property
    def thresholds(self) -> list[float]:
        return list(self._thresholds)

    def _build(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import FeatureUnion, Pipeline

        features = [("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                             min_df=1, lowercase=True))]
        if self.char_ngrams:
            features.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                                     sublinear_tf=True, min_df=2)))
        classifier = LogisticRegression(C=self.C, class_weight=self.class_weight,
                                        max_iter=2000, random_state=self.seed)
        return Pipeline([("features", FeatureUnion(features)),
                         ("classifier", OneVsRestClassifier(classifier))])

    def fit(
        self,
        train: str | os.PathLike[str] | Sequence[AnnotatedArticle],
        dev: str | os.PathLike[str] | Sequence[AnnotatedArticle] | None = None,
    ) -> TfidfBaseline:
        """Fit on the gold sentences of ``train``; tune thresholds on ``dev`` if given.

        Args:
            train: Annotated articles (a JSONL path or loaded articles).
            dev: Held-out articles for the per-label F1-maximising thresholds.

        Returns:
            self, fitted.

        Raises:
            ValueError: If ``train`` has no sentences, or a label has no positive example.
        """
        texts, y = _units(_as_articles(train))
        if not texts:
            raise ValueError("no training sentences")
        missing = [label for label, n in zip(LABELS, y.sum(axis=0), strict=True) if n == 0]
        if missing:
            raise ValueError(f"no training sentence has label(s) {missing}")
        self.pipeline = self._build().fit(texts, y)
        self._thresholds = [0.5] * len(LABELS)
        if dev is not None:
            from eventx.calibration import find_thresholds

            dev_texts, dev_y = _units(_as_articles(dev))
            if dev_texts:
                self._thresholds = find_thresholds(self.predict_proba(dev_texts), dev_y)
        return self

    def predict_proba(self, sentences: Sequence[str]) -> np.ndarray:
        """Per-label probabilities, shape ``(len(sentences), len(LABELS))``."""
        if self.pipeline is None:
            raise RuntimeError("TfidfBaseline is not fitted; call fit() or load() first")
        if not sentences:
            return np.zeros((0, len(LABELS)))
        return np.asarray(self.pipeline.predict_proba(list(sentences)), dtype=float)

    def predict_proba_articles(
        self,
        articles: Sequence[ArticleInput],
        batch_size: int | None = None,
        show_progress_bar: bool = False,
    ) -> list[list[list[float]]]:
        """Probabilities per article, per sentence, per label (titles are not used).

        Args:
            articles: ``(title, sentences)`` per article.
            batch_size: Unused (one vectorised call per 256 articles).
            show_progress_bar: Show a tqdm bar over chunks of articles (stderr).
        """
        from tqdm.auto import tqdm

        out: list[list[list[float]]] = []
        step = 256
        for k in tqdm(range(0, len(articles), step), desc="tfidf", unit="chunk",
                      disable=not show_progress_bar):
            chunk = articles[k : k + step]
            probs = self.predict_proba([s for _, sents in chunk for s in sents]).tolist()
            j = 0
            for _, sents in chunk:
                out.append(probs[j : j + len(sents)])
                j += len(sents)
        return out

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write the fitted pipeline (joblib) and a small JSON config to ``directory``."""
        import joblib
        import sklearn

        if self.pipeline is None:
            raise RuntimeError("TfidfBaseline is not fitted; nothing to save")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipeline, out / TFIDF_PIPELINE)
        config = {"type": "tfidf", "labels": list(LABELS), "thresholds": self._thresholds,
                  "C": self.C, "char_ngrams": self.char_ngrams,
                  "class_weight": self.class_weight, "seed": self.seed,
                  "sklearn_version": sklearn.__version__}
        (out / TFIDF_CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> TfidfBaseline:
        """Load a baseline written by `save` (joblib unpickles: load trusted dirs only).

        Raises:
            ModelLoadError: If the directory is missing, incomplete or for other labels.
        """
        import joblib

        from eventx.modeling import ModelLoadError

        path = Path(directory)
        config_path = path / TFIDF_CONFIG
        if not config_path.is_file() or not (path / TFIDF_PIPELINE).is_file():
            raise ModelLoadError(f"{path}: not a TF-IDF baseline directory (needs "
                                 f"{TFIDF_CONFIG} and {TFIDF_PIPELINE})")
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ModelLoadError(f"{config_path}: bad JSON ({e.msg})") from e
        if config.get("type") != "tfidf" or config.get("labels") != list(LABELS):
            raise ModelLoadError(f"{config_path}: not a TF-IDF baseline for labels "
                                 f"{list(LABELS)}")
        model = cls(C=config.get("C", 10.0), char_ngrams=config.get("char_ngrams", True),
                    class_weight=config.get("class_weight"), seed=config.get("seed", 0))
        model.pipeline = joblib.load(path / TFIDF_PIPELINE)
        model._thresholds = [float(t) for t in config["thresholds"]]
        return model


def is_tfidf_dir(directory: str | os.PathLike[str]) -> bool:
    """Whether ``directory`` holds a saved `TfidfBaseline`."""
    return (Path(directory) / TFIDF_CONFIG).is_file()


def _as_articles(data: str | os.PathLike[str] | Sequence[AnnotatedArticle]
                 ) -> list[AnnotatedArticle]:
    return read_articles(data) if isinstance(data, (str, os.PathLike)) else list(data)
