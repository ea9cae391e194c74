"""``eventx train``: fine-tune a classifier on annotated articles."""

from __future__ import annotations

from pathlib import Path

import typer

from eventx.cli._app import app, fail, note
from eventx.training_args import TrainingArguments

_DEFAULT = TrainingArguments(output_dir="")  # the options' defaults: the shipped recipe


@app.command(
    epilog=(
        "Example: eventx train --train train.jsonl --dev dev.jsonl --out models/mine "
        "--epochs 8 --seed 1"
    ),
)
def train(
    train_file: Path = typer.Option(..., "--train", help="Training articles (JSONL)."),
    dev_file: Path = typer.Option(..., "--dev", help="Validation articles (JSONL)."),
    out: Path = typer.Option(..., "--out", help="Directory to write the model to."),
    base_model: str = typer.Option(
        _DEFAULT.base_model, "--base-model", help="HF model id or path of the encoder."
    ),
    adapter: str = typer.Option(_DEFAULT.adapter, "--adapter", help="lora or full fine-tuning."),
    context: str = typer.Option(
        _DEFAULT.context, "--context", help="none, previous, title, neighbours."
    ),
    lora_r: int = typer.Option(
        _DEFAULT.lora_r, "--lora-r", help="LoRA rank (with --adapter lora)."
    ),
    lora_alpha: int = typer.Option(
        _DEFAULT.lora_alpha, "--lora-alpha", help="LoRA scaling (the recipe: 2x the rank)."
    ),
    epochs: int = typer.Option(_DEFAULT.epochs, "--epochs"),
    learning_rate: float = typer.Option(_DEFAULT.learning_rate, "--lr", "--learning-rate"),
    batch_size: int = typer.Option(_DEFAULT.batch_size, "--batch-size"),
    max_length: int = typer.Option(_DEFAULT.max_length, "--max-length"),
    frozen_layers: int = typer.Option(
        _DEFAULT.frozen_layers, "--frozen-layers",
        help="Freeze the N lowest encoder layers and compute their output once (faster epochs).",
    ),
    dropout: float | None = typer.Option(
        _DEFAULT.dropout, "--dropout", help="Encoder dropout (default: the base model's own)."
    ),
    attention_dropout: float | None = typer.Option(
        _DEFAULT.attention_dropout, "--attention-dropout",
        help="Dropout on attention weights alone (BERT-style encoders); MiniLM's own is 0.1.",
    ),
    workers: int = typer.Option(
        _DEFAULT.workers, "--workers",
        help="Threads sharing each step, one core each (0: all CPUs). Runs repeat exactly "
        "for a seed when --dropout is 0 or --workers is 1.",
    ),
    patience: int = typer.Option(
        _DEFAULT.early_stopping_patience, "--patience", help="Early-stopping patience (0: off)."
    ),
    seed: int = typer.Option(_DEFAULT.seed, "--seed"),
    max_steps: int = typer.Option(
        _DEFAULT.max_steps, "--max-steps", help="Stop after N steps (smoke tests)."
    ),
    no_class_weights: bool = typer.Option(False, "--no-class-weights"),
    no_rule_fusion: bool = typer.Option(
        False, "--no-rule-fusion",
        help="Calibrate with temperatures only, without the keyword coder's scores.",
    ),
    no_resume: bool = typer.Option(False, "--no-resume", help="Ignore an existing checkpoint."),
    save_every_epoch: bool = typer.Option(
        False, "--save-every-epoch",
        help="Also keep each epoch's model in OUT/epochs/ (to average with eventx soup).",
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
) -> None:
    """Fine-tune the sentence classifier and write a loadable model directory."""
    from eventx.data import DataValidationError, read_articles
    from eventx.trainer import train as run_training

    try:
        args = TrainingArguments(
            output_dir=str(out), base_model=base_model, adapter=adapter, context=context,
            epochs=epochs, learning_rate=learning_rate, batch_size=batch_size,
            max_length=max_length, early_stopping_patience=patience, seed=seed,
            max_steps=max_steps, class_weighting=not no_class_weights, resume=not no_resume,
            rule_fusion=not no_rule_fusion, frozen_layers=frozen_layers, dropout=dropout,
            attention_dropout=attention_dropout, lora_r=lora_r, lora_alpha=lora_alpha,
            workers=workers, save_every_epoch=save_every_epoch, show_progress_bar=not quiet,
        )
        train_articles = read_articles(train_file)
        dev_articles = read_articles(dev_file)
    except (ValueError, DataValidationError) as e:
        fail(str(e))
    clf = run_training(train_articles, dev_articles, args)
    scores = clf.config.scores.get("calibration", {})
    note(f"model written to {out}; validation macro-F1 {scores.get('macro_f1')}, "
         f"ECE {scores.get('ece_before')} -> {scores.get('ece_after')}")
