"""The `genai-lca` command line, over the same Python API notebooks use."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lca import __version__
from lca.brightway.handle import Project
from lca.core.errors import InputError, Where
from lca.defaults import DEFAULT_PROJECT, SOBOL_N
from lca.report.texttable import fit

if TYPE_CHECKING:  # for the annotations only; the command imports it when it runs
    from lca.assess import Pipeline
    from lca.study.situation import Setting

# Everything else (the rules engine with pint and numpy, Brightway, pandas, scipy, SALib,
# matplotlib, jinja2, openpyxl) is imported inside the command that uses it, not here: importing
# it all took 1.5 s of CPU before `--help` or a usage error could print (issue 15).


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as bad input (status 2) on our terms."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message}\n{self.format_usage().strip()}", Where("command line"))


def _path(text: str) -> Path:
    """A path argument; the NUL byte, which no file name can hold, is refused as bad input."""
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{text!r} holds a NUL byte, which no path can")
    return Path(text)


def _project(text: str) -> Project:
    """The handle of a Brightway project named by 1 to 100 printable characters (bw2data makes a
    folder of the name); opened only when a step touches Brightway."""
    if not text.strip() or len(text) > 100 or not text.isprintable():
        raise argparse.ArgumentTypeError(f"a project name is 1 to 100 printable characters, "
                                         f"not {text[:40]!r}{'...' if len(text) > 40 else ''}")
    return Project(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="genai-lca", description="Life-cycle assessment of generative AI.")
    parser.add_argument("--version", action="version", version=f"genai-lca {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    model = _Parser(add_help=False)
    model.add_argument("--model", type=_path, metavar="DIR",
                       help="rule files to use instead of the shipped model/")
    situation = _Parser(add_help=False)
    situation.add_argument("--set", dest="settings", action="append", default=[],
                           metavar="RULE=VALUE", help="replace a rule's value for this run")
    project = _Parser(add_help=False)
    project.add_argument("--project", default=DEFAULT_PROJECT, type=_project,
                         help=f"Brightway project (default {DEFAULT_PROJECT}; BRIGHTWAY2_DIR is "
                              f"honoured)")
    talk = project.add_mutually_exclusive_group()
    talk.add_argument("--verbose", action="store_true",
                      help="also show what Brightway prints (its data-folder banner, bw2io's "
                           "strategy lines), on stderr")
    talk.add_argument("--quiet", action="store_true",
                      help="print nothing but errors (and the JSON document with --json)")

    cmd = commands.add_parser("explain", parents=[model, situation],
                              help="trace one value: formula, inputs, sources")
    cmd.add_argument("study", type=_path)
    cmd.add_argument("rule")
    cmd.add_argument("--unit", dest="unit_name", metavar="NAME",
                     help="only this functional unit (default: every one)")

    cmd = commands.add_parser("assess", parents=[model, situation, project],
                              help="assess every functional unit for every indicator")
    cmd.add_argument("study", type=_path)
    cmd.add_argument("--allocation", metavar="ID", help="server-share rule (default: the study's)")
    cmd.add_argument("--out", type=_path, metavar="DIR",
                     help="write the bundle: results.json, .csv, .decimal-comma.csv, .xlsx, "
                          "report.html, figures/, foreground.xlsx, study.bw2package (every "
                          "allocation rule is run for the report)")
    cmd.add_argument("--json", action="store_true", help="print the results document as JSON")

    cmd = commands.add_parser("compare", parents=[model, situation, project],
                              help="side by side: every allocation rule, or several studies")
    cmd.add_argument("study", type=_path, nargs="?",
                     help="the study (with --scenario: the first scenario)")
    cmd.add_argument("--allocation", metavar="all", choices=["all"],
                     help="compare every allocation rule of the study")
    cmd.add_argument("--scenario", type=_path, nargs="+", default=[], metavar="STUDY",
                     help="compare these studies, per functional unit they share")
    cmd.add_argument("--out", type=_path, metavar="DIR",
                     help="write comparison.csv and, for --allocation all, the bundle of "
                          "assess --out; for --scenario, results.json, results.xlsx, figures/ "
                          "and report.html, the scenarios side by side")
    cmd.add_argument("--json", action="store_true", help="print the document as JSON")

    cmd = commands.add_parser("uncertainty", parents=[model, situation, project],
                              help="Monte Carlo intervals, tornado swings and Sobol' indices "
                                   "per unit and indicator")
    cmd.add_argument("study", type=_path)
    cmd.add_argument("--iterations", type=int, default=10_000, metavar="N",
                     help="number of samples (default 10,000)")
    cmd.add_argument("--seed", type=int, default=1, metavar="S",
                     help="random seed: the same seed gives the same numbers (default 1)")
    cmd.add_argument("--allocation", metavar="ID", help="server-share rule (default: the study's)")
    cmd.add_argument("--json", action="store_true", help="print the document as JSON")
    cmd.add_argument("--sobol", type=int, default=SOBOL_N, metavar="N",
                     help=f"Sobol' base points, a power of 2: N x (inputs + 2) evaluations "
                          f"(default {SOBOL_N:,})")
    cmd.add_argument("--out", type=_path, metavar="DIR",
                     help="write the bundle of assess --out, with the uncertainty added")

    cmd = commands.add_parser("import", parents=[project],
                              help="import a foreground.xlsx written by --out into a project")
    cmd.add_argument("workbook", type=_path)

    cmd = commands.add_parser("validate", parents=[project],
                              help="reproduce the published cases: published value, ours, gap")
    cmd.add_argument("--case", metavar="SUBSTRING",
                     help="only the cases whose name contains this (any case)")
    cmd.add_argument("--cases", type=_path, metavar="FILE",
                     help="the cases file (default: the shipped examples/validation.yaml)")
    output = cmd.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the comparison as JSON")
    output.add_argument("--markdown", action="store_true",
                        help="print the comparison as the README's Markdown table")

    commands.add_parser("catalog", help="list the GPUs, servers and data-centre presets")

    cmd = commands.add_parser("rules", parents=[model],
                              help="list the rules, or write their documentation")
    cmd.add_argument("--doc", type=_path, metavar="DIR", help="write one Markdown page per rule")
    return parser


def cmd_explain(args: argparse.Namespace) -> None:
    from lca.study.resolve import evaluators
    from lca.core.rules.explain import explain
    from lca.report.explanation import render
    from lca.study.situation import load_model, parse_set
    from lca.study.file import load_study

    rules = load_model(args.model)
    rules.require(args.rule, Where("command line", key="RULE"))
    study = load_study(args.study)
    settings = [parse_set(s) for s in args.settings]
    pairs = evaluators(rules, study, settings)
    if args.unit_name is not None:
        pairs = [(u, e) for u, e in pairs if u.name == args.unit_name]
        if not pairs:
            names = ", ".join(u.name for u in study.functional_units)
            raise InputError(f"no functional unit named '{args.unit_name}'; the study has {names}",
                             Where("command line", key="--unit"))
    # Evaluate everything first so that an error prints nothing half-done.
    trees = [(unit, explain(evaluator, args.rule)) for unit, evaluator in pairs]
    for unit, tree in trees:
        print(f"== {study.title} / functional unit '{unit.name}' ==")
        print(render(tree))
        print()


def _settings(args: argparse.Namespace) -> list[Setting]:
    """`--set` values, and `--allocation ID` as the value of the rule `allocation`."""
    from lca.study.situation import Setting, parse_set

    settings = [parse_set(s) for s in args.settings]
    if args.allocation:
        settings.append(Setting("allocation", args.allocation, "--allocation"))
    return settings


def _pipeline(args: argparse.Namespace) -> Pipeline:
    """The pipeline of a command: its project handle (`--project`) and rules (`--model`)."""
    from lca.assess import Pipeline

    return Pipeline.of(args.project, getattr(args, "model", None))


def cmd_assess(args: argparse.Namespace) -> None:
    from lca.report.text import results_table

    settings = _settings(args)
    if args.out:
        from lca.report.bundle import check_out  # matplotlib, pandas: 0.5 s, for --out only

        check_out(args.out)
    pipeline = _pipeline(args)
    if args.out:
        from lca.analysis.compare import compare_allocations
        from lca.report.bundle import publish

        # The bundle's report discusses the sensitivity to the allocation choice: every rule is
        # scored, the study's own written to Brightway, the others in memory.
        doc = compare_allocations(pipeline, args.study, settings)
        publish(doc, args.out, pipeline.project)
    else:
        doc = pipeline.assess(args.study, settings).to_json()
    _show(doc, args, results_table)


BUNDLE = ("results.json", "results.csv", "results.decimal-comma.csv", "results.xlsx",
          "report.html", "figures/", "foreground.xlsx", "study.bw2package")


def _show(doc: dict, args: argparse.Namespace, text: Callable[[dict], str]) -> None:
    """The document as JSON with --json, else as `text` renders it; then what --out wrote."""
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    if args.quiet:
        return
    print(fit(text(doc)), end="")
    if args.out:
        print(f"wrote {', '.join(BUNDLE)} to {args.out}")


def cmd_uncertainty(args: argparse.Namespace) -> None:
    from lca.report.bundle import check_out, publish
    from lca.report.text import uncertainty_table
    from lca.analysis.uncertainty import uncertainty
    from lca.analysis.sensitivity import power_of_two

    if args.iterations < 1:
        raise InputError(f"--iterations takes a number of samples of 1 or more, not "
                         f"{args.iterations}", Where("command line", key="--iterations"))
    if not power_of_two(args.sobol):
        raise InputError(f"--sobol takes a power of 2 (the Sobol' sequence's balance needs it), "
                         f"such as 512 or 1024, not {args.sobol}", Where("command line",
                                                                         key="--sobol"))
    if args.out:
        check_out(args.out)
    # With --out, the bundle's report also discusses the allocation choice: every rule is
    # scored, then the samples are evaluated over the background of the study's own.
    pipeline = _pipeline(args)
    doc = uncertainty(pipeline, args.study, args.iterations, args.seed, _settings(args),
                      args.sobol, allocations=bool(args.out)).to_json()
    if args.out:
        publish(doc, args.out, pipeline.project)
    _show(doc, args, uncertainty_table)


def cmd_import(args: argparse.Namespace) -> None:
    from lca.brightway.excel import import_foreground

    database = import_foreground(args.workbook, args.project)
    if not args.quiet:
        print(f"imported '{database}' into project '{args.project.name}', with the open data "
              f"and methods it links to")


def cmd_compare(args: argparse.Namespace) -> None:
    from lca.analysis.compare import compare_allocations, compare_scenarios
    from lca.report.comparison import table as comparison_table
    from lca.report.comparison import write_csv as write_comparison_csv
    from lca.report.bundle import check_out, publish, write_json
    from lca.report.scenarios import WRITTEN as SCENARIO_FILES
    from lca.report.scenarios import write_report as write_scenario_report
    from lca.study.situation import parse_set

    settings = [parse_set(s) for s in args.settings]
    scenarios = ([args.study] if args.study else []) + args.scenario
    if bool(args.allocation) == bool(args.scenario):
        raise InputError("compare takes either STUDY --allocation all, or --scenario A.yaml "
                         "B.yaml ...", Where("command line"))
    if args.allocation and args.study is None:
        raise InputError("--allocation all needs a study file", Where("command line"))
    if args.out:
        check_out(args.out)
    pipeline = _pipeline(args)
    if args.allocation:
        doc = compare_allocations(pipeline, args.study, settings)
        section = doc["allocation_comparison"]
        title = (f"{doc['study']}: every allocation rule (the study's own: {doc['allocation']})")
    else:
        doc = compare_scenarios(pipeline, scenarios, settings)
        section = doc["scenario_comparison"]
        title = "Scenarios: " + "; ".join(f"{k} = {v['title']} ({v['file']})"
                                          for k, v in section["studies"].items())
    if args.out:
        if args.allocation:
            publish(doc, args.out, pipeline.project)
        else:
            write_json(doc, args.out)
            write_scenario_report(doc, args.out)
        write_comparison_csv(section, args.out / "comparison.csv")
    if args.json:
        print(json.dumps(doc, indent=2))
    elif not args.quiet:
        print(fit(comparison_table(section, title)), end="")
        if args.out:
            written = BUNDLE if args.allocation else SCENARIO_FILES
            print(f"wrote {', '.join(written)} and comparison.csv to {args.out}")


def cmd_validate(args: argparse.Namespace) -> int:
    """Exit status 0 when every figure is within its tolerance, 1 otherwise, as a test runner."""
    from lca.analysis import validate
    from lca.report import validation

    figures = validate.select(validate.load_cases(args.cases), args.case)
    items = validate.as_json(validate.validate(figures, _pipeline(args)))
    if args.json:
        print(json.dumps(items, indent=2))
    elif not args.quiet:
        print(validation.markdown(items) if args.markdown else fit(validation.table(items)),
              end="")
    return 0 if all(item["passed"] for item in items) else 1


def cmd_catalog(args: argparse.Namespace) -> None:
    from lca.report.listings import listing

    print(listing(), end="")


def cmd_rules(args: argparse.Namespace) -> None:
    from lca.report.listings import rules_listing
    from lca.report.ruledocs import write_docs
    from lca.study.situation import load_model

    rules = load_model(args.model)
    if args.doc:
        written = write_docs(rules, args.doc)
        print(f"wrote {len(written)} pages to {args.doc}")
        return
    print(rules_listing(rules), end="")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the exit status is 0, 2 for bad input, 1 for an internal error (or,
    for `validate`, a figure out of tolerance)."""
    try:
        args = build_parser().parse_args(argv)
        # Brightway is needed by most commands but not by `--help` or a usage error, which
        # exit above.
        from lca.brightway import bwcompat

        bwcompat.VERBOSE = getattr(args, "verbose", False)
        command = {"assess": cmd_assess, "catalog": cmd_catalog, "compare": cmd_compare,
                   "explain": cmd_explain, "import": cmd_import, "rules": cmd_rules,
                   "uncertainty": cmd_uncertainty, "validate": cmd_validate}[args.command]
        # The project's lock, once a write takes it, is kept until the command has read back
        # all it wrote (the export, the Monte Carlo): no other run rewrites it in between.
        project = getattr(args, "project", None)
        with project.session() if project is not None else contextlib.nullcontext():
            status = command(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of our output stopped early (`genai-lca rules | head`): nothing is wrong.
        # Python would complain again when it flushes stdout at exit, so point it at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:  # the last resort: say it is ours, with the trace to report
        traceback.print_exc()
        print("internal error: this is a bug in genai-lca; please report it with the trace above",
              file=sys.stderr)
        return 1
    return status or 0  # `validate` returns 1 when a figure is out of tolerance


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
