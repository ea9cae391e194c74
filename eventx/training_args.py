"""Typed training arguments, in the style of `transformers.TrainingArguments`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from eventx.modeling import CONTEXT_MODES, DEFAULT_BASE_MODEL


@dataclass
class TrainingArguments:
    """Settings of one fine-tuning run.

    Args:
        output_dir: Where the model (and checkpoints while training) are written.
        base_model: Hugging Face model id or local path; default is the packaged MiniLM.
        adapter: ``"lora"`` (small adapter over a frozen encoder) or ``"full"``.
        context: Second segment shown with each sentence (see `CONTEXT_MODES`).
        epochs: Maximum number of passes over the training data. With LoRA rank 32,
            the default 6 scored 0.880 on validation against 0.877 for 7 epochs at rank
            16 (3 seeds each, corpus v2) and trains in about 10 minutes on 2 CPU cores
            (recipes ``attn0_e6_lr4_r32`` and ``attn0_e7_lr4``).
        learning_rate: Peak learning rate (linear warm-up, then linear decay). The
            default 4e-4 beat 2e-4 on validation over 3 seeds (0.877 against 0.868);
            6e-4 did better on validation but worse on unseen conflict settings
            (``benchmarks/results/recipes.md``, recipes ``attn0_e7_lr4`` and ``_lr6``).
        batch_size: Training sentences per step.
        eval_batch_size: Sentences per forward pass when validating.
        max_length: Token limit per input.
        warmup_ratio: Share of the steps spent warming up.
        weight_decay: AdamW weight decay.
        early_stopping_patience: Stop after this many epochs without a better
            validation macro-F1 (0 disables early stopping).
        class_weighting: Weight positives of rare labels up in the loss
            (``pos_weight = sqrt(negatives / positives)``).
        lora_r: LoRA rank. The default 32 beat 16 on validation and on unseen conflict
            settings over 3 seeds each (recipes ``attn0_e7_lr4_r32`` and ``attn0_e7_lr4``);
            the adapter merges into the encoder when loaded, so inference costs the same.
        lora_alpha: LoRA scaling, kept at twice the rank.
        lora_dropout: Dropout on the LoRA path.
        dropout: Probability of every dropout layer of the encoder and head (hidden
            states and attention); None keeps the base model's own (0.1 for MiniLM).
        attention_dropout: Dropout on the attention weights alone, overriding
            ``dropout`` there (BERT-style encoders); None: no override. The default 0
            scored as well as MiniLM's own 0.1 over 3 seeds, with 1.08x faster epochs
            (``benchmarks/results/recipes.md``, recipe ``attn0_e7``, at learning rate 2e-4).
        frozen_layers: Freeze the embeddings and this many of the lowest encoder layers
            (no LoRA there) and compute their output once instead of in every epoch
            (`eventx.frozen_layers`): each epoch then runs only the layers above.
        rule_fusion: Fuse the encoder's logits with the keyword coder's scores
            (`eventx.fusion`), fitted on validation; False keeps temperature scaling.
        seed: Random seed for initialisation and shuffling.
        workers: Threads that share each training step, one core each: the batch is
            cut into that many parts whose forward and backward passes run side by
            side, and their gradients are summed in a fixed order (0: every available
            CPU). On a small CPU this is faster than one pass spread over all cores.
            A run is repeatable for a given seed when dropout is 0 or workers is 1;
            otherwise dropout masks depend on thread timing.
        max_steps: Stop after this many optimiser steps in total (-1: no limit); for
            smoke tests.
        resume: Continue from ``output_dir/checkpoint`` when it exists.
        save_every_epoch: Also write each epoch's model, uncalibrated, to
            ``output_dir/epochs/epochN``, e.g. to average epochs with `eventx.soup`.
        show_progress_bar: Show tqdm bars.
    """

    output_dir: str
    base_model: str = DEFAULT_BASE_MODEL
    adapter: str = "lora"
    context: str = "none"
    epochs: int = 6
    learning_rate: float = 4e-4
    batch_size: int = 32
    eval_batch_size: int = 128
    max_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    early_stopping_patience: int = 3
    class_weighting: bool = True
    lora_r: int = 32
    lora_alpha: int = 64
    lora_dropout: float = 0.0
    dropout: float | None = None
    attention_dropout: float | None = 0.0
    frozen_layers: int = 0
    rule_fusion: bool = True
    seed: int = 42
    workers: int = 0
    max_steps: int = -1
    resume: bool = True
    save_every_epoch: bool = False
    show_progress_bar: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.adapter not in ("lora", "full"):
            raise ValueError(f"adapter must be 'lora' or 'full', got {self.adapter!r}")
        if self.context not in CONTEXT_MODES:
            raise ValueError(f"context must be one of {CONTEXT_MODES}, got {self.context!r}")
        if self.frozen_layers < 0:
            raise ValueError(f"frozen_layers must be >= 0, got {self.frozen_layers}")
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")
        for name in ("dropout", "attention_dropout"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if self.lora_r < 1 or self.lora_alpha < 1:
            raise ValueError(f"lora_r and lora_alpha must be positive, got {self.lora_r}, "
                             f"{self.lora_alpha}")
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs, batch_size and learning_rate must be positive")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
