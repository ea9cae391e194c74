"""Agreement between the first annotation and the independent second pass.

    python corpus/agreement.py [--dir corpus/agreement/v3]

Reads corpus/agreement/second_pass.jsonl (labels by a second annotator who saw only the
guidelines and the text) and the first labels in corpus/raw/ as they were when the
second pass was made (corpus/agreement/first_pass.jsonl, frozen on the first run), and
writes per-label Cohen's kappa and F1 to corpus/agreement/agreement.json, plus the
list of disagreeing sentences to corpus/agreement/disagreements.jsonl for adjudication.
``--dir`` does the same for another sample kept in its own directory (``v3``: the batch
w11-w14, drawn after v3 was built, labelled by its second annotator from
``sample_texts.jsonl`` alone).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sklearn.metrics import cohen_kappa_score, f1_score

from eventx.labels import LABELS

ROOT = Path(__file__).resolve().parent
AGREE = ROOT / "agreement"


def raw_sentences() -> dict[str, list[dict]]:
    out = {}
    for path in sorted((ROOT / "raw").glob("w*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                a = json.loads(line)
                out[a["id"]] = [a["title"], *(s for p in a["paragraphs"] for s in p)]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=AGREE, help="the sample's directory")
    agree = parser.parse_args(argv).dir
    second = [json.loads(x) for x in (agree / "second_pass.jsonl").read_text().splitlines()]
    frozen = agree / "first_pass.jsonl"
    if not frozen.exists():
        raw = raw_sentences()
        with open(frozen, "w", encoding="utf-8") as f:
            for art in second:
                sents = [{"text": s["text"], "labels": s["labels"]} for s in raw[art["id"]]]
                f.write(json.dumps({"id": art["id"], "sentences": sents}, ensure_ascii=False)
                        + "\n")
    first = {a["id"]: a["sentences"] for a in map(json.loads, frozen.read_text().splitlines())}
    gold_a: list[set[str]] = []
    gold_b: list[set[str]] = []
    disagreements = []
    for art in second:
        for i, (x, y) in enumerate(zip(first[art["id"]], art["sentences"], strict=True)):
            assert x["text"] == y["text"], (art["id"], i)
            gold_a.append(set(x["labels"]))
            gold_b.append(set(y["labels"]))
            if set(x["labels"]) != set(y["labels"]):
                disagreements.append({"id": art["id"], "sentence": i, "text": x["text"],
                                      "first": x["labels"], "second": y["labels"]})
    per_label = {}
    for label in LABELS:
        a = [label in s for s in gold_a]
        b = [label in s for s in gold_b]
        per_label[label] = {"kappa": round(float(cohen_kappa_score(a, b)), 4),
                            "f1": round(float(f1_score(a, b)), 4),
                            "first": sum(a), "second": sum(b)}
    total = sum(len(v) for v in raw_sentences().values())
    report = {"n_articles": len(second), "n_sentences": len(gold_a),
              "share": round(len(gold_a) / total, 4),
              "exact_match": round(1 - len(disagreements) / len(gold_a), 4),
              "per_label": per_label}
    (agree / "agreement.json").write_text(json.dumps(report, indent=2) + "\n")
    with open(agree / "disagreements.jsonl", "w", encoding="utf-8") as f:
        for d in disagreements:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2))
    print(f"{len(disagreements)} disagreeing sentences -> {agree / 'disagreements.jsonl'}")


if __name__ == "__main__":
    main()
