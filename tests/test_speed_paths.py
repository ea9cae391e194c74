"""The fast inference path gives the model's own answers: direct loading, the lean
forward, length-budget batching, int8 and the rule that makes it the default."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eventx.fusion import article_rule_scores, calibrated_probabilities
from eventx.labels import LABELS
from eventx.modeling import EventClassifier
from eventx.pipeline import Extractor, load
from eventx.quantization import (
    CHECK_FILE,
    CROSS_FIT_FOLDS,
    _GoldSentences,
    article_folds,
    check_quantization,
    record_check,
    resolve_precision,
)
from eventx.runtime import (
    _budget_batches,
    available_cpus,
    components_from_classifier,
    load_components,
    torch_threads,
)

SENTENCES = [
    "Jets bombed radar sites near the border overnight.",
    "The minister said talks would resume on Monday.",
    "Dock workers began a 24-hour strike.",
    "Gunmen opened fire on a bus, killing nine, police said on Tuesday evening.",
    "Calm.",
    "The foreign ministry condemned the raid as a flagrant violation of sovereignty "
    "and summoned the ambassador to lodge a formal protest.",
]


@pytest.fixture(scope="module")
def reference(tiny_model_dir: Path) -> EventClassifier:
    """The model as training saved it, loaded through transformers + peft."""
    return EventClassifier.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="module")
def extractor(tiny_model_dir: Path) -> Extractor:
    return load(tiny_model_dir, precision="fp32")


def test_direct_load_and_lean_forward_match_the_hf_model(
    extractor: Extractor, reference: EventClassifier
) -> None:
    expected = reference.predict_proba(SENTENCES).numpy()
    got = extractor.scorer.probabilities(SENTENCES, batch_size=4)
    assert extractor.scorer.lean  # BERT goes through the lean forward
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # The same through an in-memory classifier (the path for models built in Python).
    from_memory = components_from_classifier(reference).scorer("fp32")
    np.testing.assert_allclose(from_memory.probabilities(SENTENCES), expected, atol=1e-5)


def test_sentence_pairs_match_the_hf_model(extractor: Extractor,
                                           reference: EventClassifier) -> None:
    contexts = [None, *SENTENCES[:-1]]  # as the "previous" context mode builds them
    expected = reference.predict_proba(SENTENCES, contexts).numpy()
    got = extractor.scorer.probabilities(SENTENCES, contexts, batch_size=3)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_results_do_not_depend_on_batching(extractor: Extractor) -> None:
    one = np.concatenate([extractor.scorer.probabilities([s]) for s in SENTENCES])
    scorer = extractor.scorer
    old = scorer.max_tokens
    try:
        scorer.max_tokens = 40  # forces many small batches
        small = scorer.probabilities(SENTENCES, batch_size=64)
    finally:
        scorer.max_tokens = old
    np.testing.assert_allclose(small, one, atol=1e-5)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_worker_threads_give_the_same_probabilities(extractor: Extractor,
                                                    precision: str) -> None:
    import threading

    import torch

    sentences = SENTENCES * 4
    one = extractor.components.scorer(precision, max_tokens=40, workers=1)
    two = extractor.components.scorer(precision, max_tokens=40, workers=2)
    seen: list[tuple[int, int]] = []  # (thread, torch threads) of every forward
    hook = two.module.register_forward_hook(
        lambda *_: seen.append((threading.get_ident(), torch.get_num_threads())))
    before = torch.get_num_threads()
    try:
        got = two.probabilities(sentences, batch_size=3)
    finally:
        hook.remove()
    np.testing.assert_allclose(got, one.probabilities(sentences, batch_size=3), atol=1e-5)
    assert len(seen) >= len(sentences) // 3  # many batches, each forward on a worker
    assert threading.get_ident() not in {t for t, _ in seen}
    assert {n for _, n in seen} == {1}  # one core each, not workers x all cores
    assert torch.get_num_threads() == before  # restored for the caller


def test_worker_count_is_checked_and_threads_reach_the_scorer(tiny_model_dir: Path) -> None:
    with pytest.raises(ValueError, match="workers"):
        load_components(tiny_model_dir).scorer("fp32", workers=0)
    import torch

    with torch_threads(torch.get_num_threads()):  # load(threads=1) sets torch's count
        assert load(tiny_model_dir, precision="fp32", threads=1).scorer.workers == 1
    assert load(tiny_model_dir, precision="fp32").scorer.workers == available_cpus()


@pytest.mark.parametrize("batch_size,max_tokens", [(1, 100), (3, 10**6), (64, 50), (4, 7)])
def test_budget_batches_cover_everything_in_order(batch_size: int, max_tokens: int) -> None:
    lengths = np.array(sorted([3, 5, 5, 8, 9, 12, 12, 12, 20, 40, 41]))
    batches = _budget_batches(lengths, batch_size, max_tokens)
    covered = [i for b in batches for i in range(b.start, b.stop)]
    assert covered == list(range(len(lengths)))
    for b in batches:
        n = b.stop - b.start
        assert n <= batch_size
        assert n == 1 or n * lengths[b.stop - 1] <= max_tokens


def test_load_imports_neither_transformers_nor_peft(tiny_model_dir: Path) -> None:
    code = (
        "import sys, eventx\n"
        "assert 'torch' not in sys.modules, 'import eventx imported torch'\n"
        f"ex = eventx.load({str(tiny_model_dir)!r})\n"
        "ex.extract('Jets bombed a depot. The ministry condemned it.')\n"
        "print(sorted(m for m in ('transformers', 'peft') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_quantized_is_close_and_only_default_after_a_passed_check(
    tiny_model_dir: Path, extractor: Extractor, articles_path: Path, tmp_path: Path
) -> None:
    p32 = extractor.scorer.probabilities(SENTENCES)
    for scheme in ("int8", "mixed"):
        quantized = extractor.with_precision(scheme)
        assert quantized.precision == scheme
        # The barely trained test model has sharp temperatures (0.25): a loose bound
        # here; the benchmark reports the shipped model's differences.
        assert np.abs(quantized.scorer.probabilities(SENTENCES) - p32).max() < 0.15

    # No recorded check: auto means fp32.
    assert load(tiny_model_dir).precision == "fp32"
    check = check_quantization(extractor, articles_path)
    assert check.n_sentences > 0 and set(check.schemes) == {"int8", "mixed"}
    for r in check.schemes.values():
        assert 0 <= r["macro_f1"] <= 1 and r["max_abs_prob_diff"] < 0.15
        assert r["ok"] == (r["f1_drop"] <= 0.005)
        assert r["own_calibration_drop"] == pytest.approx(
            check.fp32_macro_f1 - r["macro_f1"], abs=2e-6)
    # What users of precision "auto" get: fp32's F1 less the default scheme's drop.
    expected = check.fp32_macro_f1 - (
        check.schemes[check.default]["f1_drop"] if check.default != "fp32" else 0.0)
    assert check.default_macro_f1 == pytest.approx(expected)
    failed = {scheme: {**r, "ok": False} for scheme, r in check.schemes.items()}
    assert replace(check, schemes=failed).default_macro_f1 == check.fp32_macro_f1
    # A copy of the model directory carries the recorded check.
    model = tmp_path / "model"
    model.mkdir()
    for f in tiny_model_dir.iterdir():
        if f.is_file():
            (model / f.name).write_bytes(f.read_bytes())
    record_check(model, check)
    saved = json.loads((model / CHECK_FILE).read_text())
    assert saved["default"] == check.default
    cases = {(True, True): "int8", (False, True): "mixed", (False, False): "fp32"}
    for (int8_ok, mixed_ok), expected in cases.items():
        saved["schemes"]["int8"]["ok"], saved["schemes"]["mixed"]["ok"] = int8_ok, mixed_ok
        saved["default"] = expected
        (model / CHECK_FILE).write_text(json.dumps(saved))
        assert resolve_precision("auto", model) == expected
        assert load(model).precision == expected
    (model / CHECK_FILE).write_text("{not json")
    assert load(model).precision == "fp32"
    assert load(model, precision="int8").precision == "int8"
    with pytest.raises(ValueError, match="precision"):
        load(model, precision="int4")


def test_logits_are_what_probabilities_calibrate(extractor: Extractor) -> None:
    scorer = extractor.scorer
    logits = scorer.logits(SENTENCES)
    assert logits.shape == (len(SENTENCES), len(LABELS))
    np.testing.assert_allclose(
        scorer.probabilities(SENTENCES),
        calibrated_probabilities(extractor.config, logits, SENTENCES), atol=1e-6)
    assert scorer.logits([]).shape == (0, len(LABELS))


@pytest.mark.parametrize("fusion", [True, False])
def test_cross_fitted_drop_is_zero_for_equal_logits_and_grows_with_noise(fusion: bool) -> None:
    rng = np.random.default_rng(0)
    n = 400
    targets = (rng.random((n, len(LABELS))) < 0.3).astype(np.int64)
    logits = np.where(targets == 1, 1.5, -1.5) + rng.normal(0, 1.0, targets.shape)
    rules = np.clip(targets * 0.6 + rng.random(targets.shape) * 0.4, 0, 1)
    gold = _GoldSentences([""] * n, None, targets, rules, np.repeat(np.arange(40), 10))
    assert gold.cross_fitted_drop(logits, logits, fusion) == 0.0
    noisy = logits + rng.normal(0, 2.0, logits.shape)
    assert gold.cross_fitted_drop(logits, noisy, fusion) > 0.05
    few = _GoldSentences([""] * n, None, targets, rules, np.repeat(np.arange(4), 100))
    with pytest.raises(ValueError, match=f"at least {CROSS_FIT_FOLDS} articles"):
        few.cross_fitted_drop(logits, logits, fusion)


def test_article_folds_keep_articles_whole_and_repeat_per_split() -> None:
    article = np.repeat(np.arange(12), [1, 2, 3] * 4)
    folds = article_folds(article, 0)
    assert set(folds.tolist()) == set(range(CROSS_FIT_FOLDS))
    for a in range(12):
        assert len(set(folds[article == a].tolist())) == 1
    np.testing.assert_array_equal(article_folds(article, 0), folds)
    assert any(not np.array_equal(article_folds(article, s), folds) for s in (1, 2, 3))


def test_int8_documents_have_exact_offsets_and_thresholded_labels(
    extractor: Extractor,
) -> None:
    text = " ".join(SENTENCES)
    int8 = extractor.with_precision("int8")
    doc = int8.extract(text, id="x")
    assert [s.text for s in doc.sentences] == [text[s.start : s.end] for s in doc.sentences]
    texts = [s.text for s in doc.sentences]
    # extract() reads the sentences as one article: the rule scores carry its context.
    probs = int8.scorer.probabilities(texts, rule_scores=article_rule_scores([(None, texts)]))
    for s, row in zip(doc.sentences, probs):
        assert s.labels == [lab for lab, p, t in zip(LABELS, row, int8.thresholds) if p >= t]
        assert s.scores == {lab: round(float(p), 4) for lab, p in zip(LABELS, row)}


def test_direct_and_fallback_loading_agree(tiny_model_dir: Path) -> None:
    direct = load_components(tiny_model_dir)
    assert not hasattr(direct.module, "config")  # built from files, not an HF model
    assert direct.config.thresholds == load(tiny_model_dir).thresholds
