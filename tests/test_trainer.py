from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eventx.calibration import expected_calibration_error, find_thresholds, fit_temperatures
from eventx.data import read_articles
from eventx.modeling import EventClassifier
from eventx.trainer import (
    CHECKPOINT_DIR,
    LOG_NAME,
    Examples,
    _accumulate_gradients,
    _split,
    recalibrate,
    train,
)
from eventx.training_args import TrainingArguments


def test_training_arguments_validate() -> None:
    with pytest.raises(ValueError, match="adapter"):
        TrainingArguments(output_dir="x", adapter="qlora")
    with pytest.raises(ValueError, match="context"):
        TrainingArguments(output_dir="x", context="page")
    with pytest.raises(ValueError, match="workers"):
        TrainingArguments(output_dir="x", workers=-1)
    with pytest.raises(ValueError, match="dropout"):
        TrainingArguments(output_dir="x", dropout=1.0)
    with pytest.raises(ValueError, match="lora_r"):
        TrainingArguments(output_dir="x", lora_r=0)


@pytest.mark.parametrize("n,parts", [(32, 2), (7, 3), (1, 2), (5, 1)])
def test_split_keeps_every_index_in_order(n: int, parts: int) -> None:
    pieces = _split(list(range(n)), parts)
    assert [i for p in pieces for i in p] == list(range(n))
    assert len(pieces) == min(n, parts)
    assert max(map(len, pieces)) - min(map(len, pieces)) <= 1


def test_dropout_settings_reach_the_encoder() -> None:
    import torch

    model = EventClassifier.from_base(max_length=32, attention_dropout=0.0).model
    drops = {name: m.p for name, m in model.named_modules() if isinstance(m, torch.nn.Dropout)}
    attention = {n for n in drops if n.endswith("attention.self.dropout")}
    assert len(attention) == 6  # one per MiniLM layer
    assert {drops[n] for n in attention} == {0.0}
    assert {p for n, p in drops.items() if n not in attention} == {0.1}  # MiniLM's own


def test_threaded_parts_give_the_whole_batch_gradient() -> None:
    from concurrent.futures import ThreadPoolExecutor

    import torch

    from eventx.runtime import torch_threads

    clf = EventClassifier.from_base(max_length=32, dropout=0.0)
    assert all(m.p == 0.0 for m in clf.model.modules() if isinstance(m, torch.nn.Dropout))
    model = clf.model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    texts = ["Jets bombed the depot.", "Calm.", "The ministry condemned the raid on Monday.",
             "Gunmen opened fire on a bus.", "He said talks would resume.", "Rain fell."]
    targets = torch.tensor([[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0],
                            [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=torch.float32)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def enc(idx: list[int]) -> dict:
        return dict(clf.tokenizer([texts[i] for i in idx], padding=True, return_tensors="pt"))

    whole = _accumulate_gradients(model, params, loss_fn, [enc(list(range(6)))], [targets],
                                  None)
    expected = [p.grad.clone() for p in params]
    parts = _split(list(range(6)), 2)
    with torch_threads(1), ThreadPoolExecutor(2) as pool:
        split = _accumulate_gradients(model, params, loss_fn, [enc(p) for p in parts],
                                      [targets[p] for p in parts], pool)
    assert split == pytest.approx(whole, abs=1e-5)
    for p, g in zip(params, expected):
        torch.testing.assert_close(p.grad, g, atol=1e-5, rtol=1e-4)


def test_examples_carry_context(articles_path: Path) -> None:
    articles = read_articles(articles_path)
    ex = Examples.from_articles(articles, "previous")
    assert ex.contexts[0] is None and ex.contexts[1] == articles[0].sentences[0].text
    assert ex.targets.shape == (len(ex.texts), 4)


def test_training_writes_log_config_and_no_leftover_checkpoint(tiny_model_dir: Path) -> None:
    log = [json.loads(x) for x in (tiny_model_dir / LOG_NAME).read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2]
    assert all("dev_macro_f1" in r and r["train_loss"] > 0 for r in log)
    assert not (tiny_model_dir / CHECKPOINT_DIR).exists()
    config = json.loads((tiny_model_dir / "eventx_config.json").read_text())
    assert {"ece_before", "ece_after", "macro_f1"} <= set(config["scores"]["calibration"])


def test_calibration_reuses_the_best_epochs_validation_logits(
    tiny_model_dir: Path, tmp_path: Path, articles_path: Path
) -> None:
    """Training calibrates on the logits kept from its best epoch; a fresh pass over the
    validation data with the saved weights must find the same calibration."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    stored = json.loads((copy / "eventx_config.json").read_text())
    recalibrate(copy, articles_path)
    fresh = json.loads((copy / "eventx_config.json").read_text())
    assert fresh["thresholds"] == stored["thresholds"]
    assert fresh["temperatures"] == pytest.approx(stored["temperatures"], abs=1e-4)
    for key in ("ece_before", "ece_after", "macro_f1"):
        assert fresh["scores"]["calibration"][key] == pytest.approx(
            stored["scores"]["calibration"][key], abs=1e-4)


def test_resume_from_checkpoint(tmp_path: Path, articles_path: Path, monkeypatch) -> None:
    import eventx.trainer as trainer_module

    args = TrainingArguments(output_dir=str(tmp_path / "r"), epochs=3, batch_size=8,
                             learning_rate=1e-3, max_length=48, seed=5,
                             dropout=0.0,  # no dropout: worker threads repeat exactly
                             show_progress_bar=False, early_stopping_patience=0)
    reference = train(articles_path, articles_path, args)
    ref_probs = reference.predict_proba(["Jets bombed the depot."])

    class Interrupt(Exception):
        pass

    real_calibrate = trainer_module.calibrate
    calls = {"epochs": 0}
    real_macro = trainer_module.macro_f1

    def macro_then_interrupt(*a, **k):
        calls["epochs"] += 1
        if calls["epochs"] == 3:  # third validation = after epoch 2 of 3: die before saving
            raise Interrupt
        return real_macro(*a, **k)

    monkeypatch.setattr(trainer_module, "macro_f1", macro_then_interrupt)
    with pytest.raises(Interrupt):
        train(articles_path, articles_path,
              TrainingArguments(**{**args.to_dict(), "output_dir": str(tmp_path / "s")}))
    assert (tmp_path / "s" / CHECKPOINT_DIR / "state.pt").is_file()
    monkeypatch.setattr(trainer_module, "macro_f1", real_macro)
    monkeypatch.setattr(trainer_module, "calibrate", real_calibrate)
    resumed = train(articles_path, articles_path,
                    TrainingArguments(**{**args.to_dict(), "output_dir": str(tmp_path / "s")}))
    log = (tmp_path / "s" / LOG_NAME).read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in log] == [1, 2, 3]
    assert np.allclose(resumed.predict_proba(["Jets bombed the depot."]).numpy(),
                       ref_probs.numpy(), atol=1e-4)
    assert isinstance(EventClassifier.from_pretrained(tmp_path / "s"), EventClassifier)


def test_calibration_helpers() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(400, 2)).astype(float)
    logits = 4 * ((y * 2 - 1) + rng.normal(0, 1, size=y.shape))  # true log-odds are half
    temps = fit_temperatures(logits, y)
    assert all(1.5 < t < 2.7 for t in temps)
    raw = 1 / (1 + np.exp(-logits))
    calibrated = 1 / (1 + np.exp(-logits / np.asarray(temps)))
    assert expected_calibration_error(calibrated, y) < expected_calibration_error(raw, y)
    probs = np.array([[0.9], [0.8], [0.3], [0.2]])
    assert find_thresholds(probs, np.array([[1], [1], [0], [0]]))[0] == pytest.approx(0.5)
    assert find_thresholds(probs, np.array([[1], [1], [1], [0]]))[0] <= 0.3
    # A flat F1 curve: with a tolerance, the near-best threshold closest to 0.5 wins.
    flat = np.array([[0.1], [0.45], [0.9], [0.95]])
    gold = np.array([[1], [0], [1], [1]])
    assert find_thresholds(flat, gold)[0] == pytest.approx(0.1)  # F1 6/7, the best
    assert find_thresholds(flat, gold, tolerance=0.06)[0] == pytest.approx(0.5)  # F1 0.8
