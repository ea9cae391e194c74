"""The Ray engine on a local Ray (2 CPUs): same sentences, offsets and labels as
`Extractor.extract_many`, bad lines named by line number, output only when complete."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

ray = pytest.importorskip(
    "ray", reason="the Ray engine needs the optional extra: pip install 'eventx[ray]'"
)
pytest.importorskip("ray.data", reason="the Ray engine needs Ray Data: pip install 'ray[data]'")

from eventx.data import DataValidationError  # noqa: E402
from eventx.pipeline import load  # noqa: E402
from eventx.ray_engine import extract_corpus, jsonl_shards  # noqa: E402

pytestmark = pytest.mark.slow  # starts Ray and one model actor (~30-60 s on 2 busy CPUs)

EXTRA = [
    "Gunmen attacked a checkpoint at dawn. Two soldiers were killed, the army said.",
    "",  # an article with no sentences
    "Markets were calm on Friday.",
]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, articles_path: Path) -> tuple[Path, list]:
    """Articles of the test data plus a few more, with two bad lines (3 and 7)."""
    articles = [(a["id"], a["text"]) for a in map(json.loads, articles_path.open())]
    articles += [(f"x{i}", t) for i, t in enumerate(EXTRA)]
    lines = [json.dumps({"id": i, "text": t}) for i, t in articles]
    lines.insert(2, "{broken")
    lines.insert(6, json.dumps({"id": "no-text"}))
    path = tmp_path_factory.mktemp("ray") / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, articles


def test_shards_cut_at_line_starts_with_line_numbers(corpus: tuple[Path, list]) -> None:
    path, _ = corpus
    data = path.read_bytes()
    shards = jsonl_shards(path, shard_bytes=300)
    assert len(shards) > 3 and shards[0]["start"] == 0 and shards[-1]["end"] == len(data)
    for a, b in itertools.pairwise(shards):
        assert a["end"] == b["start"] and data[b["start"] - 1 : b["start"]] == b"\n"
    for s in shards:
        assert s["line"] == data[: s["start"]].count(b"\n") + 1


def test_ray_output_matches_extract_many(local_ray: None, corpus: tuple[Path, list],
                                         tiny_model_dir: Path, tmp_path: Path) -> None:
    path, articles = corpus
    skipped: list[str] = []
    out = tmp_path / "sentences.jsonl"
    summary = extract_corpus(path, out, tiny_model_dir, skip_bad=True, num_actors=1,
                             articles_per_batch=3, shard_bytes=400, on_skip=skipped.append)
    assert summary.skipped == 2
    assert [s.split(":")[1] for s in skipped] == ["3", "7"]

    extractor = load(tiny_model_dir)
    expected = [
        {"article": doc.id, **s.to_json()}
        for doc in extractor.extract_many((t for _, t in articles), ids=[i for i, _ in articles])
        for s in doc.sentences
    ]
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert summary.sentences == len(got) == len(expected)
    key = ("article", "start", "end", "text", "labels")
    assert [tuple(r[k] for k in key) for r in got] == [tuple(r[k] for k in key) for r in expected]
    for g, e in zip(got, expected):
        assert list(g) == list(e)  # same fields, same order as eventx extract
        for label, p in e["scores"].items():
            assert abs(g["scores"][label] - p) <= 2e-4  # batches differ: float noise only

    # Parquet out, and a bad line without --skip-bad: an error naming it, no output.
    pq = pytest.importorskip("pyarrow.parquet")
    parquet = tmp_path / "sentences.parquet"
    with pytest.raises(DataValidationError, match=rf"{path}:3: bad JSON"):
        extract_corpus(path, parquet, tiny_model_dir, num_actors=1)
    assert not parquet.exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "sentences.jsonl"]
    good = tmp_path / "good.jsonl"
    good.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                            if '"text"' in line))
    extract_corpus(good, parquet, tiny_model_dir, num_actors=1)
    table = pq.read_table(parquet)
    assert table.column_names == ["article", "start", "end", "text", "labels", "scores"]
    assert table.column("start").to_pylist() == [r["start"] for r in expected]
