"""Copy the headline numbers of benchmarks/results/accuracy.json into the README.

    python benchmarks/readme_results.py

Replaces the block between ``<!-- results:begin -->`` and ``<!-- results:end -->`` in
README.md, so the README quotes exactly what ``benchmarks/accuracy.py`` measured.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
ROWS = {
    "corpus/test": "eventx corpus, test split (all four labels)",
    "corpus/test_unseen": "eventx corpus, unseen conflict settings (all four labels)",
    "external/case2021_task2_test.jsonl": "CASE 2021 task 2 news snippets (attack, strike)",
    "external/acled_notes_2020_sample.jsonl": "ACLED event notes 2020 (attack, strike)",
    "external/cameo_codebook_examples.jsonl": "CAMEO codebook sentences (all four, noisy)",
}


def render(results: dict, models: list[str], date: str, shipped: str | None = None) -> str:
    header = "| macro-F1 (95% CI) | " + " | ".join(f"`{m}`" for m in models) + " |"
    lines = [header, "|---|" + "---:|" * len(models)]
    for key, name in ROWS.items():
        if key not in results:
            continue
        cells = []
        for m in models:
            r = results[key].get(m)
            if r is None:
                cells.append("n/a")
                continue
            lo, hi = r["macro_f1_ci"] or (None, None)
            ci = f" [{lo:.2f}, {hi:.2f}]" if lo is not None else ""
            cells.append(f"{r['macro_f1']:.3f}{ci}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"Measured {date[:10]} on 2 CPU cores by `python benchmarks/accuracy.py` "
              "(full tables: [benchmarks/results/accuracy.md](benchmarks/results/accuracy.md)). "
              + (f"`eventx-minilm` is the {shipped}; " if shipped else "")
              + "`keyword` is a dictionary coder written from the guidelines, `tfidf` a TF-IDF + "
              "logistic-regression model trained on the same train split. The external files "
              "are other people's annotated news, used only to measure."]
    return "\n".join(lines)


def main() -> None:
    data = json.loads((ROOT / "benchmarks" / "results" / "accuracy.json").read_text())
    models = list(data["models"]) if isinstance(data["models"], dict) else [
        m["name"] if isinstance(m, dict) else m for m in data["models"]]
    shipped = data["models"].get("eventx-minilm") if isinstance(data["models"], dict) else None
    block = render(data["results"], models, data["date"], shipped)
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    readme.write_text(text[:start] + "\n" + block + "\n" + text[end:])
    print(block)


if __name__ == "__main__":
    main()
