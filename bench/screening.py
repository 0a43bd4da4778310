#!/usr/bin/env python3
"""Watchlist screening: throughput, recall and false positives against a 10,000-entry list.

No database: the list is built in memory, deterministically (--seed):
data/watchlist/example.csv plus synthetic entries whose given names come
from data/watchlist/ordinary_names.txt and whose surnames (and company names)
are made of syllables, so that an ordinary name hitting the list is the
matcher's mistake, not a real namesake. A third of the entries carry aliases
(a respelling, the family name first, a Cyrillic rendering), some a date of
birth and a country.

It prints:
  (a) names screened per second against the list (ScreeningIndex.best on
      ordinary names and variants, caches cold), beside a baseline measured
      in the same run: an exact dictionary lookup of the normalised name
      (normalise.fold), as a ratio;
  (b) recall: the share of variants of listed names (accents and case, word
      order, spacing, respellings, Cyrillic script; and, apart, a typo and an
      added middle name) that match their own entry;
  (c) false-positive rate: the share of ordinary_names.txt that matches any entry;
  (c2) a harder negative set: the share of ordinary names matching another
      ordinary name (half of them as the list, the other half screened);
for several thresholds, marking the configured one.

Usage (project venv active):  python bench/screening.py [--entries 10000] [--sample 600] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.screening import normalise, similarity  # noqa: E402
from services.screening.matcher import ScreeningIndex, WatchlistRecord, configured_threshold  # noqa: E402
from services.screening.watchlist import read_watchlist_csv  # noqa: E402

DATA = ROOT / "data" / "watchlist"
THRESHOLDS = (0.82, 0.85, 0.86, 0.88, 0.90, 0.92, 0.95)
_SYLLABLES = ("ka lo mi ra ven dor sel tam gri bo zu nel fa ri sha kor val den mar lu ti ve sor ha ji pen ro dan "
              "bel zor mek hal dru pas tin gor lev mur sab tek vin ost ber kal nor sim rad usk yar zel qas bar").split()
_ENDINGS = {"slavic": "ov ev in enko uk sky ski ich ova eva".split(), "arabic": "i awi ani".split(),
            "generic": "a o er man son ez es i u ana ard ani eli".split()}
_COMPANY = "Shipping Trading Holdings Petroleum Exchange Logistics Metals Capital Industries Marine".split()
_FORMS = "Ltd LLC Inc JSC Company GmbH".split()
_COUNTRIES = "RU UA BY KZ CN KP IR IQ SY LB YE SD VE MX DE GB NG AE TR PK AF".split()
_ACCENTS = str.maketrans("aeiouncszAEIOUNCSZ", "áèïôüñçšžÁÈÏÔÜÑÇŠŽ")
_TO_CYRILLIC = [("shch", "щ"), ("kh", "х"), ("zh", "ж"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("yu", "ю"),
                ("ya", "я"), ("x", "кс"), ("j", "дж")] + list(zip("abvgdezijklmnoprstufhcwyq", "абвгдезийклмнопрстуфхквык"))
# Romanisation differences seen between lists and documents (each applied at most once).
_RESPELL = [("ks", "x"), ("x", "ks"), ("v", "w"), ("u", "ou"), ("f", "ph"), ("h", "kh"), ("i", "ee"), ("sh", "sch"),
            ("ch", "tch"), ("j", "dj"), ("ya", "ia"), ("y", "i"), ("k", "q"), ("c", "k"), ("l", "ll"), ("s", "ss")]


def ordinary_names() -> list[str]:
    """The ordinary names of data/watchlist/ordinary_names.txt."""
    text = (DATA / "ordinary_names.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _surname(rng: random.Random, style: str) -> str:
    root = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 2, 3))))
    return (root + rng.choice(_ENDINGS[style])).capitalize()


def _cyrillic(name: str) -> str:
    text = name.lower()
    for latin, cyr in _TO_CYRILLIC:
        text = text.replace(latin, cyr)
    return " ".join(w.capitalize() for w in text.split())


def _plausible(word: str, at: int, latin: str, other: str) -> bool:
    """Whether respelling `latin` at `at` is a change romanisations really make there."""
    before, after = word[at - 1], word[at + len(latin): at + len(latin) + 1]
    if latin == "h":
        return before in "aeiou"  # Mihail/Mikhail, not Richard/Rickhard
    if other == latin * 2:
        return before != latin and after != latin and after != ""  # Hasan/Hassan, not a tripled letter
    if other == "ee":
        return len(word) >= 5 and before not in "aeiou" and after not in "aeiou"  # Rashid/Rasheed
    return True


def respell(name: str, rng: random.Random, edits: int = 2) -> str:
    """The name with up to `edits` romanisation changes, one per word (x/ks, v/w, u/ou, f/ph, h/kh, doubled letters...)."""
    words = name.split()
    for w in rng.sample(range(len(words)), len(words))[:edits]:
        for latin, other in rng.sample(_RESPELL, len(_RESPELL)):
            lower = words[w].lower()
            at = lower.find(latin, 1)
            if at > 0 and _plausible(lower, at, latin, other):
                words[w] = words[w][:at] + other + words[w][at + len(latin):]
                break
    return " ".join(words)


def synthetic_entries(count: int, *, seed: int) -> list[WatchlistRecord]:
    """`count` deterministic list entries: people (two or three names) and companies, some with aliases."""
    rng = random.Random(seed)
    given = sorted({name.split()[0] for name in ordinary_names()})
    entries = []
    for number in range(count):
        kind = rng.random()
        if kind < 0.06:
            name = f"{_surname(rng, 'generic')} {rng.choice(_COMPANY)} {rng.choice(_FORMS)}"
        elif kind < 0.3:
            name = f"{rng.choice(given)} {rng.choice(given)} {_surname(rng, 'slavic')}"
        elif kind < 0.45:
            name = f"{rng.choice(given)} al-{_surname(rng, 'arabic')}"
        else:
            name = f"{rng.choice(given)} {_surname(rng, rng.choice(('slavic', 'generic')))}"
        aliases: list[str] = []
        if rng.random() < 0.33:
            aliases.append(rng.choice((respell(name, rng), " ".join(name.split()[::-1]), _cyrillic(name))))
        born = None
        if rng.random() < 0.6:
            year = rng.randint(1940, 2000)
            born = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.7 else str(year)
        entries.append(WatchlistRecord(id=100_000 + number, list_id="BENCH", name=name, aliases=tuple(aliases),
                                       date_of_birth=born, country=rng.choice(_COUNTRIES) if rng.random() < 0.7 else None))
    return entries


def build_list(size: int, *, seed: int) -> list[WatchlistRecord]:
    """The example list (ids 1..) plus synthetic entries up to `size` entries."""
    example = [WatchlistRecord(id=n, list_id=r.list_id, name=r.name, aliases=r.aliases, date_of_birth=r.date_of_birth,
                               country=r.country) for n, r in enumerate(read_watchlist_csv(DATA / "example.csv"), 1)]
    return example + synthetic_entries(size - len(example), seed=seed)


def variants(record: WatchlistRecord, rng: random.Random) -> dict[str, str]:
    """Spellings of a listed name that should still match it, by kind."""
    words = record.name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    typo = list(words)
    cut = rng.randrange(1, len(typo[longest]) - 1) if len(typo[longest]) > 4 else None
    if cut is not None:
        typo[longest] = typo[longest][:cut] + typo[longest][cut + 1:]
    return {
        "accents+case": record.name.translate(_ACCENTS).upper() if rng.random() < 0.5 else record.name.translate(_ACCENTS).lower(),
        "word order": " ".join(words[::-1]),
        "spacing": "".join(words) if rng.random() < 0.5 else "-".join(words),
        "respelling": respell(record.name, rng),
        "cyrillic": _cyrillic(record.name),
        "typo (apart)": " ".join(typo),
        "middle name (apart)": " ".join(words[:1] + [rng.choice(("Ali", "Maria", "Ivan", "Jean"))] + words[1:]),
    }


def _at(result, threshold: float) -> bool:
    """Whether a result reaches the threshold, compared in basis points as the matcher does."""
    return result is not None and result.score_bps >= round(threshold * 10000)


def measure_throughput(index: ScreeningIndex, records: list[WatchlistRecord], screened: list[str]) -> list:
    """(a): screen every name with cold caches, then again warm; the exact-lookup baseline in the same run."""
    for cached in (normalise.canonical_token, normalise.skeleton, similarity.levenshtein_ratio):
        cached.cache_clear()
    exact = {normalise.fold(n): r.id for r in records for n in (r.name, *r.aliases)}
    started, cpu = time.perf_counter(), time.process_time()
    found_exact = sum(normalise.fold(name) in exact for name in screened)
    baseline_s, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    results = [index.best(name) for name in screened]
    match_s, match_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    for name in screened:
        index.best(name)
    warm_s = time.perf_counter() - started
    n = len(screened)
    print(f"(a) throughput: {n / match_s:,.0f} names/s screened ({n} names, {1e6 * match_s / n:.0f} us each, caches cold;"
          f" {n / match_cpu:,.0f} per CPU-second; {n / warm_s:,.0f}/s warm, the same names again)")
    print(f"    baseline, exact lookup of the normalised name: {n / baseline_s:,.0f} names/s"
          f" ({n / baseline_cpu:,.0f} per CPU-second; {found_exact} found);"
          f" ratio matcher/baseline {baseline_s / match_s:.3f}")
    return results


def report_quality(cases: list[tuple[int, str, str]], variant_results: list, ordinary: list[str],
                   ordinary_results: list, configured: float) -> None:
    """(b) and (c): recall per kind of variant and the false-positive rate, for each threshold."""
    kinds = list(dict.fromkeys(kind for _, kind, _ in cases))
    print(f"(b) recall on variants of listed names and (c) false positives on {len(ordinary)} ordinary names:")
    print(f"{'threshold':>10} " + " ".join(f"{k[:12]:>13}" for k in kinds) + f" {'recall*':>8} {'false pos.':>11}")
    for threshold in sorted({*THRESHOLDS, configured}):
        recalls, main_hits, main_total = [], 0, 0
        for kind in kinds:
            got = [(rid, res) for (rid, k, _), res in zip(cases, variant_results) if k == kind]
            hits = sum(1 for rid, res in got if _at(res, threshold) and res.entry_id == rid)
            recalls.append(f"{100 * hits / len(got):12.1f}%")
            if "apart" not in kind:
                main_hits, main_total = main_hits + hits, main_total + len(got)
        false_pos = sum(_at(r, threshold) for r in ordinary_results)
        mark = " <- configured" if threshold == configured else ""
        print(f"{threshold:>10.2f} " + " ".join(recalls) + f" {100 * main_hits / main_total:7.1f}%"
              f" {100 * false_pos / len(ordinary):10.2f}%{mark}")
    print("* recall over the main kinds (typo and middle name shown apart)")
    worst = sorted(((r.score, n, r) for n, r in zip(ordinary, ordinary_results) if r), reverse=True)[:6]
    print("closest ordinary names: " + "; ".join(f"{n} ~ {r.matched_name} {s:.3f}" for s, n, r in worst))
    missed = [(k, t, res) for (rid, k, t), res in zip(cases, variant_results)
              if "apart" not in k and not (_at(res, configured) and res.entry_id == rid)]
    print(f"missed variants at {configured}: {len(missed)}; e.g. " + "; ".join(
        f"{k}: {t!r} -> {res.matched_name if res else None} {res.score if res else 0:.3f}" for k, t, res in missed[:6]))


def report_cross_matches(ordinary: list[str], configured: float) -> None:
    """(c2): half the ordinary names as the list, the other half screened against it."""
    halves = ScreeningIndex([WatchlistRecord(id=n, list_id="ORD", name=name) for n, name in enumerate(ordinary[::2])])
    cross = [halves.best(name) for name in ordinary[1::2]]
    print(f"(c2) distinct ordinary names matching each other ({len(cross)} screened against {len(halves)}): " + ", ".join(
        f"{t:.2f}: {100 * sum(_at(r, t) for r in cross) / len(cross):.2f}%" for t in sorted({*THRESHOLDS, configured})))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=600, help="synthetic listed names to make variants of")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    records = build_list(args.entries, seed=args.seed)
    started = time.perf_counter()
    index = ScreeningIndex(records)
    print(f"list: {len(index)} entries, {index.name_count} names and aliases;"
          f" index built in {time.perf_counter() - started:.2f} s")
    ordinary = ordinary_names()
    people = [r for r in records if not any(f in r.name for f in _FORMS)]
    sample = people[:40] + rng.sample(people[40:], min(args.sample, len(people) - 40))
    cases = [(r.id, kind, text) for r in sample for kind, text in variants(r, rng).items()]
    results = measure_throughput(index, records, ordinary + [text for _, _, text in cases])
    configured = configured_threshold()
    report_quality(cases, results[len(ordinary):], ordinary, results[:len(ordinary)], configured)
    report_cross_matches(ordinary, configured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
