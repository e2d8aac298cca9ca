"""The ``helpbot`` command: ask, chat, search, serve [--production], reload, eval, kb, report."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import statistics
import sys
from collections import Counter
from pathlib import Path

from helpbot import benchcli, cli_ops, curatecli
from helpbot.errors import HelpbotError
from helpbot.paths import data_dir


def _load_bot(args: argparse.Namespace, **options):
    from helpbot.bot import Bot
    from helpbot.config import Settings

    from helpbot.progress import Progress

    options.setdefault("embeddings", Settings.from_env().embeddings)
    options.setdefault("progress", Progress())  # only drawn while an index is built, on a terminal
    return Bot.load(knowledge_dir=getattr(args, "knowledge", None), intents_dir=getattr(args, "intents", None),
                    **options)


def cmd_ask(args: argparse.Namespace) -> int:
    reply = _load_bot(args).ask(args.question)
    if args.json:
        print(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(reply.text)
        for n, s in enumerate(reply.suggestions, 1):
            print(f"  [{n}] {s.title}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    bot = _load_bot(args)
    session = bot.new_session_id()
    print('Ecokara help assistant. Ask a question; "quit" to leave.')
    secret_next = False
    while True:
        try:
            # After "type the password you'd like to check", what is typed is not shown (on a
            # terminal; piped input shows nothing anyway).
            hidden = secret_next and sys.stdin.isatty()
            line = getpass.getpass("you (hidden)> ") if hidden else input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line.strip().lower() in ("quit", "exit"):
            return 0
        reply = bot.ask(line, session_id=session)
        secret_next = reply.secret_next
        print(f"bot> {reply.text}")
        for n, s in enumerate(reply.suggestions, 1):
            print(f"     [{n}] {s.title}")


def cmd_search(args: argparse.Namespace) -> int:
    hits = _load_bot(args).search(args.query, k=args.k)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
    for n, hit in enumerate(hits, 1):
        if not args.json:
            print(f"{n}. [{hit.score:.2f}] {hit.entry_id}: {hit.title}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.production:
        return cli_ops.exec_production(args)
    from helpbot.web import serve

    # --knowledge/--intents override HELPBOT_KNOWLEDGE_DIR/HELPBOT_INTENTS_DIR; a reload
    # (SIGHUP, or POST /admin/reload) reads the same folders again.
    config = {name: value for name, value in (("KNOWLEDGE_DIR", args.knowledge), ("INTENTS_DIR", args.intents))
              if value}
    serve(host=args.host or "127.0.0.1", port=args.port or 8000, config=config or None)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from helpbot import evalreport, evaluation

    files = args.files or sorted(str(p) for p in (Path.cwd() / "eval" / "cases").glob("test.*"))
    if not files:
        raise HelpbotError("no case files given and none found at eval/cases/test.*")
    cases = [case for f in files for case in evaluation.load_cases(Path(f))]
    bot = _load_bot(args)
    lexical = _load_bot(args, embeddings=False) if args.ablate and bot.index.embeddings else None
    results = evaluation.evaluate(bot, cases, ablate=args.ablate, progress=sys.stderr.isatty() or args.progress,
                                  lexical_bot=lexical)
    print(evalreport.format_text(results))
    if args.json:
        Path(args.json).write_text(json.dumps(evalreport.to_json(results), indent=2, ensure_ascii=False))
    if args.html:
        Path(args.html).write_text(evalreport.to_html(results), encoding="utf-8")
    top1 = results.metrics()["top1"]
    if args.min_top1 is not None and (top1 is None or top1 < args.min_top1):
        print(f"FAIL: top-1 {top1 if top1 is None else f'{top1:.1%}'} is below --min-top1 {args.min_top1:.1%}")
        return 1
    return 0


def cmd_kb_lint(args: argparse.Namespace) -> int:
    from helpbot.lint import format_report, lint

    knowledge = Path(args.knowledge) if args.knowledge else data_dir("knowledge")
    report = lint(knowledge, Path(args.source) if args.source else None, min_questions=args.min_questions)
    print(format_report(report))
    return 0 if report.ok else 1


def cmd_kb_stats(args: argparse.Namespace) -> int:
    from helpbot.knowledge import load_knowledge

    entries = load_knowledge(Path(args.knowledge) if args.knowledge else data_dir("knowledge"))
    per_category = Counter(e.category for e in entries)
    questions = [len(e.questions) for e in entries]
    lengths = [len(e.answer) for e in entries]
    print(f"entries: {len(entries)} in {len(per_category)} categories")
    for category, count in sorted(per_category.items()):
        print(f"  {category:24s} {count:4d}")
    print(f"questions per entry: min {min(questions)}, median {statistics.median(questions):g}, "
          f"max {max(questions)}, total {sum(questions)}")
    print(f"answer length (characters): min {min(lengths)}, median {statistics.median(lengths):g}, "
          f"max {max(lengths)}")
    audiences = Counter(e.audience for e in entries)
    print("audience: " + ", ".join(f"{a} {n}" for a, n in sorted(audiences.items())))
    print(f"entries with a tool: {sum(1 for e in entries if e.tool)}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from helpbot.config import Settings
    from helpbot.store import format_report, open_store

    settings = Settings.from_env()
    if args.db:  # a URL (sqlite:///..., postgresql://...) or a plain SQLite file path
        store = open_store(args.db if "://" in args.db else None, args.db)
    else:
        store = open_store(settings.database_url, settings.db_path)
    try:
        text = format_report(store, days=args.days)
    finally:
        store.close()
    print(f"Database: {store.describe()}")  # which one was read: a wrong setting shows at once
    print(text, end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpbot", description="The Ecokara help-center bot.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_kb(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--knowledge", metavar="DIR", help="knowledge folder (default: the bundled one)")
        p.add_argument("--intents", metavar="DIR", help="intents folder (default: the bundled one)")
        return p

    p = with_kb(sub.add_parser("ask", help="answer one question"))
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the full reply as JSON")
    p.set_defaults(func=cmd_ask)

    p = with_kb(sub.add_parser("chat", help="interactive chat that keeps a session"))
    p.set_defaults(func=cmd_chat)

    p = with_kb(sub.add_parser("search", help="the best entries for a query"))
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="how many hits (default 5)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = with_kb(sub.add_parser("serve", help="run the widget and JSON API on localhost "
                                            "(kill -HUP <pid> reloads the knowledge)"))
    p.add_argument("--host", help="address (default 127.0.0.1; with --production HELPBOT_BIND)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--production", action="store_true",
                   help="run gunicorn with the package's production config (helpbot/web/gunicorn_conf.py)")
    p.add_argument("--workers", type=int, help="with --production: worker processes (default: one per CPU)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("reload", help="publish a knowledge reload to every worker (see helpbot.broadcast)")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait up to this long for the workers' reports (exit 1 if one failed or none reported)")
    p.set_defaults(func=cli_ops.cmd_reload)

    p = with_kb(sub.add_parser("eval", help="measure answer accuracy on case files"))
    p.add_argument("files", nargs="*", help="case files (.jsonl or .yaml); default eval/cases/test.*")
    p.add_argument("--json", metavar="OUT", help="write metrics and failures as JSON")
    p.add_argument("--html", metavar="OUT", help="write an HTML report")
    p.add_argument("--min-top1", type=float, metavar="X", help="exit 1 when top-1 accuracy is below X (0-1)")
    p.add_argument("--ablate", action="store_true", help="compare each signal alone, the lexical engine (embeddings off) and the hybrid")
    p.add_argument("--progress", action="store_true", help="show a progress bar even when not on a terminal")
    p.set_defaults(func=cmd_eval)

    kb = sub.add_parser("kb", help="knowledge-base tools").add_subparsers(dest="kb_command", required=True)
    p = kb.add_parser("lint", help="check the knowledge base against its schema and source text")
    p.add_argument("--knowledge", metavar="DIR")
    p.add_argument("--source", metavar="FILE", help="source text (default: <knowledge>/source/help-center.txt)")
    p.add_argument("--min-questions", type=int, default=20, metavar="N",
                   help="fewest questions an entry may have (default: %(default)s, the bundled base's rule)")
    p.set_defaults(func=cmd_kb_lint)
    p = kb.add_parser("stats", help="entries per category, questions per entry, answer lengths")
    p.add_argument("--knowledge", metavar="DIR")
    p.set_defaults(func=cmd_kb_stats)

    benchcli.add_parsers(sub)

    curatecli.add_parser(sub, with_kb)

    p = sub.add_parser("report", help="unanswered questions, helpful rates and hand-offs")
    p.add_argument("--db", metavar="URL_OR_PATH",
                   help="database URL or SQLite file (default: HELPBOT_DATABASE_URL, else HELPBOT_DB_PATH)")
    p.add_argument("--days", type=int, default=14, metavar="N", help="days of daily counts to show (0: none)")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except HelpbotError as exc:
        print(f"helpbot: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"helpbot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `helpbot kb stats | head`: the reader left; say nothing more (and not at exit either).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
