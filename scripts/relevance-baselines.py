#!/usr/bin/env python3
"""Top-1 accuracy of two plain baselines on the recruiter query set, for BENCHMARKS.md.

fuzzy: rapidfuzz WRatio of the query against every role name (title, titles, synonyms,
hidden labels), best match above a cutoff of 80; substring: the first role with a name that
contains the whole query (case-insensitive). An expectation of "-" means "no role".

    pip install rapidfuzz && scripts/relevance-baselines.py
"""
import collections, pathlib, sys, tomllib
from rapidfuzz import fuzz, process, utils

root = pathlib.Path(__file__).resolve().parent.parent
names = []
for f in sorted((root / "seed-data").glob("*.toml")):
    d = tomllib.loads(f.read_text())
    for n in [d["title"], *d["titles"], *d["synonyms"], *d.get("hidden_labels", [])]:
        names.append((n, d["slug"]))
choices = [n for n, _ in names]

def fuzzy(q):
    best = process.extractOne(q, choices, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=80)
    return names[best[2]][1] if best else ""

def substring(q):
    ql = q.lower().strip()
    return next((slug for n, slug in names if ql and ql in n.lower()), "")

rows = [l.split("\t") for l in (root / "crates/core/tests/fixtures/recruiter_queries.tsv").read_text().splitlines() if l and not l.startswith("#")]
for name, method in [("fuzzy (WRatio >= 80)", fuzzy), ("substring", substring)]:
    by = collections.defaultdict(lambda: [0, 0])
    for kind, q, want in rows:
        want = want.strip()
        hit = method(q) == ("" if want == "-" else want)
        by[kind][0] += hit; by[kind][1] += 1
        by["all"][0] += hit; by["all"][1] += 1
    print(name)
    for kind in sorted(by, key=lambda k: (k == "all", k)):
        ok, n = by[kind]
        print(f"  {kind:12} {ok:3}/{n:3} = {100 * ok / n:5.1f}%")
