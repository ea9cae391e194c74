# One-command entry points. Each target sets up .venv on first use:
# torch (CPU build) first, then eventx with its dev extras.
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test lint model bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev,plots,ray]"
	touch $@

setup: $(VENV)/.installed

## Label the sentences of the shipped example article (one JSON line per sentence).
demo: setup
	$(VENV)/bin/eventx extract eventx/examples/strike_report.txt

## Run the test suite and the linter.
test: setup
	$(PY) -m pytest -q
	$(VENV)/bin/ruff check .

lint: setup
	$(VENV)/bin/ruff check .

## Rebuild the shipped default model from the corpus: 3 seeds of 6 epochs, each about 10 min
## on 2 idle CPU cores (benchmarks/results/recipes.md, recipe v3_attn0_e6_lr4_r32; 5,860 sentences),
## whose weights are averaged into the shipped model (eventx soup; benchmarks/results/seed_soup.md).
model: setup
	$(PY) benchmarks/train_default.py

## Benchmarks: segmentation, accuracy, speed, memory, ONNX Runtime, training speed
## (results under benchmarks/results/; run on an otherwise idle machine).
bench: setup
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) benchmarks/segmentation.py
	$(PY) benchmarks/accuracy.py
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/onnx_backend.py
	$(PY) benchmarks/training_speed.py
	$(PY) benchmarks/memory.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
