from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import eventx
from eventx.labels import LABELS
from eventx.pipeline import Document, Extractor, TruncationWarning, load

ARTICLE = (
    "Jets strike depots near Deir ez-Zor\n\n"
    "BEIRUT, March 3 (EWX) - Coalition warplanes bombed three depots overnight. "
    "The Syrian foreign ministry condemned the raid.\n\n"
    "Gen. J. R. Smith told reporters the U.S. would not comment further."
)


@pytest.fixture(scope="module")
def extractor(tiny_model_dir: Path) -> Extractor:
    return load(tiny_model_dir)


def test_extract_gives_exact_offsets_and_scores(extractor: Extractor) -> None:
    doc = extractor.extract(ARTICLE, id="a1")
    assert isinstance(doc, Document) and doc.id == "a1"
    assert len(doc.sentences) == 4
    for s in doc.sentences:
        assert ARTICLE[s.start : s.end] == s.text
        assert set(s.scores) == set(LABELS)
        assert all(0.0 <= p <= 1.0 for p in s.scores.values())
        expected = [lab for lab, t in zip(LABELS, extractor.thresholds) if s.scores[lab] >= t]
        assert s.labels == expected
    ends = [s.end for s in doc.sentences]
    assert ends == sorted(ends)


def test_empty_text_gives_no_sentences(extractor: Extractor) -> None:
    assert extractor.extract("").sentences == []
    assert extractor.extract("  \n\n ").sentences == []


def test_extract_many_streams_in_order_and_matches_extract(extractor: Extractor) -> None:
    texts = [ARTICLE, "", "Gunmen attacked a bus. Nine people died."] * 3
    docs = list(extractor.extract_many(iter(texts), ids=[f"d{i}" for i in range(9)],
                                       articles_per_chunk=2, batch_size=3))
    assert [d.id for d in docs] == [f"d{i}" for i in range(9)]
    single = extractor.extract(texts[2])
    assert [s.scores for s in docs[2].sentences] == [s.scores for s in single.sentences]


def test_predict_sentences(extractor: Extractor) -> None:
    out = extractor.predict_sentences(["Jets struck a depot.", "Markets were calm."])
    assert [s.text for s in out] == ["Jets struck a depot.", "Markets were calm."]
    assert out[0].start == 0 and out[0].end == len("Jets struck a depot.")


def test_long_sentence_is_truncated_with_a_warning_naming_offsets(extractor: Extractor) -> None:
    long_sentence = "The convoy moved " + "slowly " * 200 + "through the town."
    text = "Short first sentence. " + long_sentence
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = extractor.extract(text, id="long")
    messages = [str(w.message) for w in caught if issubclass(w.category, TruncationWarning)]
    assert len(messages) == 1
    start = text.index("The convoy")
    assert f"characters {start}-{len(text)}" in messages[0] and "'long'" in messages[0]
    assert len(doc.sentences) == 2


def test_top_level_api_is_lazy_and_typed(tiny_model_dir: Path) -> None:
    assert eventx.LABELS == LABELS
    assert isinstance(eventx.load(tiny_model_dir), eventx.Extractor)
    with pytest.raises(AttributeError):
        _ = eventx.no_such_thing


def test_missing_default_model_is_a_clear_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EVENTX_MODEL", str(tmp_path / "absent"))
    with pytest.raises(eventx.ModelLoadError, match="default model is not at"):
        load()
