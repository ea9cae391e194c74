"""Seed soups: averaged LoRA runs, checked against the runs' own merged weights."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from eventx.modeling import EventClassifier
from eventx.soup import average_lora_runs

SENTENCES = ["Jets struck a depot near the border overnight.",
             "The ministry condemned the attack on the convoy.",
             "Gunmen opened fire on a market, killing four."]


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory, articles_path: Path) -> Path:
    """Another tiny real run, as the conftest one but from another seed, every epoch kept."""
    from eventx.trainer import train
    from eventx.training_args import TrainingArguments

    out = tmp_path_factory.mktemp("tiny-model-seed1")
    train(articles_path, articles_path, TrainingArguments(
        output_dir=str(out), epochs=2, batch_size=8, learning_rate=1e-3, max_length=64,
        seed=1, save_every_epoch=True, show_progress_bar=False))
    return out


def test_a_run_averaged_with_itself_is_the_run(tmp_path: Path, tiny_model_dir: Path,
                                               articles_path: Path) -> None:
    stale = tmp_path / "soup" / "quantization.json"  # a check of whatever was there before
    stale.parent.mkdir()
    stale.write_text('{"default": "int8"}')
    report = average_lora_runs([tiny_model_dir, tiny_model_dir], tmp_path / "soup",
                               articles_path)
    assert not stale.exists()
    run, soup = (EventClassifier.from_pretrained(d) for d in (tiny_model_dir, tmp_path / "soup"))
    torch.testing.assert_close(soup.logits(SENTENCES), run.logits(SENTENCES), atol=1e-5,
                               rtol=0)
    # Calibration refitted on the run's own validation data lands where training put it.
    assert soup.config.thresholds == run.config.thresholds
    assert report["method"] == "rule fusion"
    for key in ("logit_weight", "rule_weight", "bias"):
        assert soup.config.fusion[key] == pytest.approx(run.config.fusion[key], abs=1e-3)
    adapter = json.loads((tmp_path / "soup" / "adapter_config.json").read_text())
    assert adapter["r"] == 2 * run.config.training["lora_r"]
    assert soup.config.training["soup"]["seeds"] == [0, 0]
    assert soup.config.training["soup"]["rank"] == adapter["r"]


def test_the_soup_holds_the_mean_of_the_runs_weights(tmp_path: Path, tiny_model_dir: Path,
                                                     second_run: Path,
                                                     articles_path: Path) -> None:
    average_lora_runs([tiny_model_dir, second_run], tmp_path / "soup", articles_path)
    runs = [EventClassifier.from_pretrained(d).model.state_dict()
            for d in (tiny_model_dir, second_run)]
    soup = EventClassifier.from_pretrained(tmp_path / "soup").model.state_dict()
    assert soup.keys() == runs[0].keys()
    moved = 0
    for key, value in soup.items():
        torch.testing.assert_close(value, (runs[0][key] + runs[1][key]) / 2, atol=1e-4,
                                   rtol=0, msg=key)
        moved += not torch.equal(runs[0][key], runs[1][key])
    assert moved > 10  # the two seeds did train apart, so the mean is not either run


def test_runs_that_cannot_be_averaged_are_refused(tmp_path: Path, tiny_model_dir: Path,
                                                  articles_path: Path) -> None:
    with pytest.raises(ValueError, match="at least two runs"):
        average_lora_runs([tiny_model_dir], tmp_path / "a", articles_path)
    other = tmp_path / "other"
    shutil.copytree(tiny_model_dir, other)
    adapter = json.loads((other / "adapter_config.json").read_text())
    adapter["target_modules"] = adapter["target_modules"][::-1]  # PEFT keeps no fixed order
    (other / "adapter_config.json").write_text(json.dumps(adapter))
    average_lora_runs([tiny_model_dir, other], tmp_path / "reordered", articles_path)
    config = json.loads((other / "eventx_config.json").read_text())
    (other / "eventx_config.json").write_text(json.dumps(dict(config, context="title")))
    with pytest.raises(ValueError, match="context 'title' differs"):
        average_lora_runs([tiny_model_dir, other], tmp_path / "b", articles_path)
    (other / "eventx_config.json").write_text(json.dumps(dict(config, adapter="full")))
    with pytest.raises(ValueError, match="averages LoRA runs"):
        average_lora_runs([tiny_model_dir, other], tmp_path / "c", articles_path)
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_epochs_kept_while_training_are_models_to_average(tmp_path: Path, second_run: Path,
                                                          articles_path: Path) -> None:
    epochs = sorted((second_run / "epochs").iterdir())
    assert [e.name for e in epochs] == ["epoch1", "epoch2"]
    final = EventClassifier.from_pretrained(second_run)
    best = EventClassifier.from_pretrained(
        second_run / "epochs" / f"epoch{final.config.training['best_epoch']}")
    torch.testing.assert_close(best.logits(SENTENCES), final.logits(SENTENCES), atol=1e-5,
                               rtol=0)
    report = average_lora_runs(epochs, tmp_path / "epoch-soup", articles_path)
    assert 0.0 <= report["macro_f1"] <= 1.0
    assert EventClassifier.from_pretrained(tmp_path / "epoch-soup").config.training["soup"][
        "runs"] == ["epoch1", "epoch2"]


def test_a_soup_stored_at_a_lower_rank_keeps_an_update_of_that_rank(
        tmp_path: Path, tiny_model_dir: Path, articles_path: Path) -> None:
    """A run averaged with itself has an update of the run's own rank, so storing the soup
    at that rank (truncated SVD of the rank-2r average) must lose nothing."""
    run = EventClassifier.from_pretrained(tiny_model_dir)
    rank = run.config.training["lora_r"]
    average_lora_runs([tiny_model_dir, tiny_model_dir], tmp_path / "soup", articles_path,
                      max_rank=rank)
    adapter = json.loads((tmp_path / "soup" / "adapter_config.json").read_text())
    assert adapter["r"] == rank
    soup = EventClassifier.from_pretrained(tmp_path / "soup")
    assert soup.config.training["soup"]["summed_rank"] == 2 * rank
    torch.testing.assert_close(soup.logits(SENTENCES), run.logits(SENTENCES), atol=1e-3,
                               rtol=0)
    with pytest.raises(ValueError, match="max_rank must be positive"):
        average_lora_runs([tiny_model_dir, tiny_model_dir], tmp_path / "x", articles_path,
                          max_rank=0)
