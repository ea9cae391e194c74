"""The TF-IDF baseline: fitting, thresholds, saving, scoring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eventx.baselines import TfidfBaseline, is_tfidf_dir
from eventx.data import read_articles
from eventx.labels import LABELS
from eventx.modeling import ModelLoadError
from eventx.scoring import evaluate, load_model


@pytest.fixture(scope="module")
def fitted_tfidf(articles_path: Path) -> TfidfBaseline:
    return TfidfBaseline(C=10.0).fit(articles_path, dev=articles_path)


def test_tfidf_fits_and_predicts(fitted_tfidf: TfidfBaseline, articles_path: Path) -> None:
    articles = read_articles(articles_path)
    probs = fitted_tfidf.predict_proba([s.text for s in articles[0].sentences])
    assert probs.shape == (len(articles[0].sentences), len(LABELS))
    assert np.all((probs >= 0) & (probs <= 1))
    assert all(0.05 <= t <= 0.95 for t in fitted_tfidf.thresholds)
    r = evaluate(fitted_tfidf, articles, n_bootstrap=0)
    # with thresholds tuned on the training set itself it must separate its own data
    assert r.macro_f1 > 0.9
    nested = fitted_tfidf.predict_proba_articles([(None, [s.text for s in a.sentences])
                                                  for a in articles])
    assert np.allclose(nested[0], probs)


def test_tfidf_without_dev_uses_half(articles_path: Path) -> None:
    model = TfidfBaseline(char_ngrams=False).fit(articles_path)
    assert model.thresholds == [0.5] * 4


def test_tfidf_save_load_roundtrip(fitted_tfidf: TfidfBaseline, tmp_path: Path) -> None:
    fitted_tfidf.save(tmp_path / "tfidf")
    assert is_tfidf_dir(tmp_path / "tfidf") and not is_tfidf_dir(tmp_path)
    loaded = TfidfBaseline.load(tmp_path / "tfidf")
    texts = ["Jets bombed the depot.", "The union called a strike."]
    assert np.allclose(loaded.predict_proba(texts), fitted_tfidf.predict_proba(texts))
    assert loaded.thresholds == fitted_tfidf.thresholds
    assert isinstance(load_model(f"tfidf:{tmp_path / 'tfidf'}"), TfidfBaseline)
    assert isinstance(load_model(tmp_path / "tfidf"), TfidfBaseline)


def test_tfidf_errors(tmp_path: Path, articles_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        TfidfBaseline().predict_proba(["x"])
    with pytest.raises(ModelLoadError, match="not a TF-IDF"):
        TfidfBaseline.load(tmp_path)
    (tmp_path / "tfidf_config.json").write_text('{"type": "tfidf", "labels": ["x"]}')
    (tmp_path / "pipeline.joblib").write_text("")
    with pytest.raises(ModelLoadError, match="labels"):
        TfidfBaseline.load(tmp_path)
    only_attack = [a for a in read_articles(articles_path) if a.id == "t-002"]
    with pytest.raises(ValueError, match="no training sentence"):
        TfidfBaseline().fit(only_attack)
