"""``helpbot bench-import``, ``bench-run`` and ``bench``: the public benchmarks (docs/BENCHMARKS.md)
and the performance suite (docs/PERFORMANCE.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def cmd_bench_import(args: argparse.Namespace) -> int:
    from helpbot.benchmarks import import_dataset

    written = import_dataset(args.dataset, Path(args.data or _default_dataset_dir(args.dataset)), Path(args.outdir))
    print(f"{args.dataset}: {written['intents']} entries, {written['questions']} questions, "
          f"{written['negatives']} out-of-scope negatives -> {args.outdir}")
    return 0


def cmd_bench_run(args: argparse.Namespace) -> int:
    from helpbot import benchmarks

    data = Path(args.data or _default_dataset_dir(args.dataset))
    if args.one_phrasing:
        result = benchmarks.run_one_phrasing(args.dataset, data, Path(args.outdir), limit=args.limit)
    else:
        run = benchmarks.run_banking77 if args.dataset == "banking77" else benchmarks.run_clinc150
        result = run(data, Path(args.outdir), limit=args.limit)
    if args.baseline:
        result["baseline_tfidf_linearsvc"] = benchmarks.linear_svc_baseline(args.dataset, data)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from helpbot.benchreport import render_markdown
    from helpbot.benchsuite import run_suite
    from helpbot.paths import REPO_ROOT
    from helpbot.progress import Progress

    result = run_suite(quick=args.quick, root=REPO_ROOT, progress=Progress())
    markdown = render_markdown(result)
    print(markdown)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if args.markdown:
        Path(args.markdown).write_text(markdown + "\n", encoding="utf-8")
    return 0


def _default_dataset_dir(name: str) -> Path:
    from helpbot.paths import REPO_ROOT

    return REPO_ROOT.parent / "shared" / "datasets" / name


def add_parsers(sub) -> None:
    p = sub.add_parser("bench-import", help="convert BANKING77 or CLINC150 into a knowledge folder")
    p.add_argument("dataset", choices=("banking77", "clinc150"))
    p.add_argument("outdir")
    p.add_argument("--data", metavar="DIR", help="data set folder (default: ../shared/datasets/<name>)")
    p.set_defaults(func=cmd_bench_import)

    p = sub.add_parser("bench-run", help="measure an imported benchmark on its official test split")
    p.add_argument("dataset", choices=("banking77", "clinc150"))
    p.add_argument("outdir", help="the folder bench-import wrote")
    p.add_argument("--data", metavar="DIR", help="data set folder (default: ../shared/datasets/<name>)")
    p.add_argument("--limit", type=int, help="a seeded sample of at most this many queries per split")
    p.add_argument("--baseline", action="store_true", help="also measure TF-IDF + LinearSVC in the same run")
    p.add_argument("--one-phrasing", action="store_true",
                   help="import each intent with only its first training utterance (into OUTDIR) and measure how "
                        "often Bot.ask answers the test utterances with the right entry")
    p.add_argument("--json", metavar="OUT", help="write the results as JSON")
    p.set_defaults(func=cmd_bench_run)

    p = sub.add_parser("bench", help="the performance suite (docs/PERFORMANCE.md)")
    p.add_argument("--quick", action="store_true", help="a short smoke run (seconds, not minutes)")
    p.add_argument("--json", metavar="OUT", help="write the results as JSON")
    p.add_argument("--markdown", metavar="OUT", help="write the tables (docs/PERFORMANCE.md)")
    p.set_defaults(func=cmd_bench)
