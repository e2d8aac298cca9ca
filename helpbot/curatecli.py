"""``helpbot curate``: the curator loop from the terminal, for teams that review in git.

``helpbot curate`` lists the proposals (phrasings with their keys and evidence, content gaps,
overlapping entries); ``helpbot curate accept KEY...`` (or ``--all``) writes them into the YAML,
runs the gate (helpbot.curate) and prints the diff; ``helpbot curate reject KEY...`` remembers the
decision so the proposal is not made again. The store is the one the settings name (or ``--db``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpbot.errors import HelpbotError


def add_parser(sub, with_kb) -> None:
    p = with_kb(sub.add_parser("curate", help="suggested phrasings, content gaps and overlaps from what buyers asked"))
    p.add_argument("action", nargs="?", choices=("list", "accept", "reject"), default="list")
    p.add_argument("keys", nargs="*", help="proposal keys (from the list) to accept or reject")
    p.add_argument("--all", action="store_true", help="accept every proposed phrasing")
    p.add_argument("--db", metavar="URL_OR_PATH", help="database URL or SQLite file (default: the settings')")
    p.add_argument("--min-support", type=int, default=None, metavar="N",
                   help="signals a phrasing needs before it is proposed (default 3)")
    p.add_argument("--cases", nargs="*", metavar="FILE",
                   help="eval case files the gate re-runs (default: eval/cases/test*.jsonl for the bundled base)")
    p.add_argument("--by", default="cli", help="who decided (recorded with the decision)")
    p.set_defaults(func=cmd_curate)


def _store(args: argparse.Namespace):
    from helpbot.config import Settings
    from helpbot.store import open_store

    if args.db:
        return open_store(args.db if "://" in args.db else None, args.db)
    settings = Settings.from_env()
    return open_store(settings.database_url, settings.db_path)


def cmd_curate(args: argparse.Namespace) -> int:
    from helpbot import curate, evaluation
    from helpbot.bot import Bot
    from helpbot.curation import MIN_SUPPORT
    from helpbot.lint import lint
    from helpbot.paths import REPO_ROOT, data_dir

    knowledge = Path(args.knowledge) if args.knowledge else data_dir("knowledge")
    load = lambda: Bot.load(knowledge_dir=args.knowledge, intents_dir=args.intents)  # noqa: E731
    bot = load()
    store = _store(args)
    try:
        proposals = curate.gather(bot, store, min_support=args.min_support or MIN_SUPPORT)
        by_key = {p.key: p for p in proposals.phrasings}
        if args.action == "list":
            print(f"Database: {store.describe()}")
            _print(proposals)
            return 0
        chosen = list(by_key.values()) if args.all and args.action == "accept" else []
        for key in args.keys:
            if key not in by_key:
                raise HelpbotError(f"no proposal with key {key} (run `helpbot curate` for the list)")
            chosen.append(by_key[key])
        if not chosen:
            raise HelpbotError(f"nothing to {args.action}: give proposal keys" +
                               (" or --all" if args.action == "accept" else ""))
        if args.action == "reject":
            for suggestion in chosen:
                curate.reject(store, suggestion, by=args.by)
            print(f"Rejected {len(chosen)} proposal(s); they will not be proposed again.")
            return 0
        files = args.cases if args.cases is not None else (
            [] if args.knowledge else sorted(str(p) for p in (REPO_ROOT / "eval" / "cases").glob("test*.jsonl")))
        cases = [c for f in files for c in evaluation.load_cases(Path(f))]
        lint_problems = lambda: [str(p) for p in lint(knowledge, min_questions=1).problems]  # noqa: E731
        outcome = curate.accept(bot, chosen, knowledge_dir=knowledge, load=load, lint=lint_problems, cases=cases,
                                evaluate=evaluation.evaluate)
        sys.stdout.write(outcome.diff)
        if not outcome.kept:
            print("Not kept (the files are as they were):")
            for problem in outcome.problems:
                print(f"  - {problem}")
            return 1
        curate.remember_accepted(store, chosen, by=args.by)
        figures = outcome.figures
        gate = (f"; eval top-1 {figures['top1_before']:.1%} -> {figures['top1_after']:.1%}"
                if "top1_after" in figures else "")
        print(f"Accepted {len(chosen)} phrasing(s): lint ok, gate passed{gate}. Reload to serve them "
              "(`helpbot reload` or POST /admin/reload).")
        return 0
    finally:
        store.close()


def _print(proposals) -> None:
    print(f"\nSuggested phrasings ({len(proposals.phrasings)}):")
    if not proposals.phrasings:
        print("  (none yet: they need buyers' signals - picks after a clarify or fallback, helpful votes)")
    for s in proposals.phrasings:
        evidence = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in s.signals)
        print(f"  {s.key}  {s.entry_id} <- \"{s.question}\"  ({evidence})")
        for example in s.examples[1:]:
            print(f"        also: {example}")
    print(f"\nContent gaps ({len(proposals.gaps)}):")
    if not proposals.gaps:
        print("  (none)")
    for g in proposals.gaps:
        nearest = ", ".join(f"{entry_id} {score:.2f}" for entry_id, _, score in g.nearest)
        print(f"  [{g.count}x] {g.question}  nearest: {nearest or '-'}")
    print(f"\nOverlapping entries ({len(proposals.overlaps)}):")
    if not proposals.overlaps:
        print("  (none)")
    for o in proposals.overlaps:
        print(f"  {o.entry_id} ~ {o.other}: {o.count} question(s) nearer the other, e.g. \"{o.examples[0]}\"")
