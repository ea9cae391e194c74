"""Peak memory of ``eventx extract`` streaming a large corpus (the 1.5 GB bound of the issue).

    python benchmarks/memory.py [--mb 0.5 8 100] [--model DIR] [--threads N]

For each size, writes a JSONL corpus of that many megabytes (the corpus articles repeated
with fresh ids), runs ``eventx extract --jsonl CORPUS -o OUT`` in a cold process, samples
its resident memory every few seconds, and checks that every input article has
sentences in the output (nothing dropped). A streamed run keeps memory flat as the corpus grows:
compare the rows, and the samples within the longest run. Writes
``benchmarks/results/memory.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from speed import _PEAK_WRAPPER, DEFAULT_MODEL, _env  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "memory.md"
SPLITS = ("train", "validation", "test", "test_unseen")


def write_corpus(path: Path, megabytes: float) -> int:
    """Write corpus articles, repeated with fresh ids, up to ``megabytes``; the count."""
    from eventx.corpus import load_articles

    lines = [json.dumps({"id": a.id, "text": a.text}, ensure_ascii=False)
             for split in SPLITS for a in load_articles(split)]
    size, k = 0, 0
    with open(path, "w", encoding="utf-8") as f:
        while size < megabytes * 1e6:
            obj = json.loads(lines[k % len(lines)])
            obj["id"] = f"{obj['id']}-{k}"
            line = json.dumps(obj, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode())
            k += 1
    return k


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(corpus: Path, out: Path, model: str, threads: int, every: float) -> dict:
    """One cold ``eventx extract`` over ``corpus``; wall time, peak and sampled memory."""
    cmd = [sys.executable, "-c", _PEAK_WRAPPER, "extract", "--jsonl", str(corpus),
           "--model", model, "--threads", str(threads), "-o", str(out)]
    t = time.perf_counter()
    samples: list[tuple[float, float]] = []
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=_env())
        while proc.poll() is None:
            rss = _rss_mb(proc.pid)
            if rss is not None:
                samples.append((time.perf_counter() - t, rss))
            time.sleep(every)
        err.seek(0)
        stderr = err.read()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"eventx extract failed:\n{stderr[-3000:]}")
    stats = json.loads(stderr.strip().splitlines()[-1])
    return {"seconds": wall, "peak_rss_mb": stats["peak_rss_mb"], "samples": samples}


def _quantile_rss(samples: list[tuple[float, float]], share: float) -> float:
    """Resident memory at ``share`` of the run's time (the sample nearest to it)."""
    end = samples[-1][0]
    return min(samples, key=lambda s: abs(s[0] - share * end))[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[0.5, 8, 100])
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads, as eventx extract --threads (0: all CPUs)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    from eventx.quantization import resolve_precision
    from eventx.runtime import available_cpus

    threads = args.threads or available_cpus()
    rows = []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.mb:
            corpus, out = Path(tmp) / f"corpus-{mb:g}.jsonl", Path(tmp) / "out.jsonl"
            articles = write_corpus(corpus, mb)
            res = run(corpus, out, args.model, threads, args.every)
            sentences, seen = 0, set()
            with open(out, encoding="utf-8") as f:
                for line in f:  # one line a sentence
                    seen.add(json.loads(line)["article"])
                    sentences += 1
            if len(seen) != articles:
                raise RuntimeError(f"{mb:g} MB: {articles} articles in, {len(seen)} out")
            rows.append({"corpus_mb": mb, "articles": articles, "sentences": sentences,
                         **res})
            print(f"{mb:g} MB: {articles} articles, {sentences} sentences, "
                  f"{res['seconds']:.0f} s, peak {res['peak_rss_mb']:.0f} MB", flush=True)
    load_end = os.getloadavg()[0]

    lines = [
        "# Peak memory streaming a corpus",
        "",
        f"Written by `benchmarks/memory.py` on {time.strftime('%Y-%m-%d %H:%M')}: "
        f"`eventx extract --jsonl CORPUS -o OUT`, model `{Path(args.model).name}` in its "
        f"default precision (`{resolve_precision('auto', args.model)}`), CPU threads "
        f"{threads}, each size in a cold process; load average {load_start:.1f} at the "
        f"start and {load_end:.1f} at the end (other jobs shared the CPUs, so the seconds "
        "are not a speed measurement: see speed.md). The corpus is the eventx corpus "
        "repeated with fresh ids; every input article came out with its sentences.",
        "",
        "| corpus | articles | sentences | seconds | resident memory at 10% / 50% / 90% "
        "of the run | peak memory |",
        "| ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in rows:
        at = " / ".join(f"{_quantile_rss(r['samples'], q):.0f}" for q in (0.1, 0.5, 0.9)) \
            if r["samples"] else "n/a"
        lines.append(f"| {r['corpus_mb']:g} MB | {r['articles']} | {r['sentences']} | "
                     f"{r['seconds']:.0f} | {at} MB | {r['peak_rss_mb']:.0f} MB |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    (args.out.with_suffix(".json")).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
