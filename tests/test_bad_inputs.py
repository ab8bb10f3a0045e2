"""A battery of bad inputs (issue 14): each exits with status 2, a message that names the place
and what was expected, no traceback, and writes nothing (no Brightway project or database, no
--out folder).

The cases are the table CASES below: a study text (or a special path), a command line, and the
words the message must contain. `{study}`, `{out}`, `{model}` and `{project}` in a command line
are the case's own files; a study text is the valid BASE study with its `{inputs}` replaced.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lca.cli import main
from tests.conftest import ROOT

# A valid study (it assesses with status 0 when {inputs} is empty; test_base_study_is_valid):
# the cases change one thing each. Line 10 is the first line of {inputs}.
BASE = """\
study: Bad-input battery
location: USA
hardware: dgx-h100
functional_units:
  - name: training
    workload: training
    inputs:
      model.parameters: 405e9
      training.tokens: 15e12
{inputs}
  - name: inference
    workload: inference
    inputs: {{model.parameters: 405e9, inference.input_tokens: 0, inference.output_tokens: 1e6}}
    includes:
      - {{unit: training, share: {share}}}
"""
INPUT_LINE = 10  # the line of the first {inputs} line in BASE
SHARE_LINE = 15  # the line of the include's share

# A one-rule model folder for --model cases; `{body}` holds the rule's keys.
RULE = """\
a.x:
  title: A rule of the battery
  sources: [method]
{body}
"""


def study(inputs: str = "", share: str = "1e-9") -> str:
    """BASE with `inputs` (lines under the training unit's inputs) and the include's share."""
    lines = "".join(f"      {line}\n" for line in inputs.splitlines()) if inputs else ""
    return BASE.format(inputs=lines.rstrip("\n"), share=share)


@dataclass(frozen=True)
class Case:
    id: str
    expect: tuple[str, ...]  # words the message must contain
    text: str | bytes | None = None  # the study file's content (None: the special `path`)
    argv: tuple[str, ...] = ("assess", "{study}", "--out", "{out}")
    path: str | None = None  # a special study path: "dir", "missing", "/dev/zero", "fifo"...
    rule: str | None = None  # the body of a --model rule (RULE), when the case is a rule file
    skip_root: bool = field(default=False)  # permissions mean nothing to root


def _i(id: str, line: str, *expect: str) -> Case:
    """A case on one study input under the training unit, on line INPUT_LINE."""
    return Case(id, (f"study.yaml:{INPUT_LINE}", *expect), study(line))


def _p(id: str, value: str, *expect: str) -> Case:
    """A case on the training unit's model.parameters (line 8)."""
    return Case(id, ("study.yaml:8", "model.parameters", *expect),
                study().replace("model.parameters: 405e9\n", f"model.parameters: {value}\n", 1))


def _swap(id: str, old: str, new: str, *expect: str) -> Case:
    """A case on BASE with one piece of text replaced."""
    return Case(id, expect, study().replace(old, new, 1))


def _set(id: str, setting: str, *expect: str) -> Case:
    return Case(id, ("--set", *expect), study(),
                ("assess", "{study}", "--out", "{out}", "--set", setting))


def _share(id: str, share: str, *expect: str) -> Case:
    return Case(id, (f"study.yaml:{SHARE_LINE}", *expect), study(share=share))


def _rule(id: str, body: str, *expect: str) -> Case:
    return Case(id, ("rules.yaml", *expect), None, ("rules", "--model", "{model}"), rule=body)


def _cli(id: str, extra: tuple[str, ...], *expect: str, command: str = "uncertainty") -> Case:
    return Case(id, expect, study(), (command, "{study}", *extra))


DEEP = "(" * 95 + "1" + ")" * 95
SUMMED = " + ".join(["1e-12"] * 500)
ALIAS_BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
              + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
                        for a, b in zip("abcdefgh", "bcdefghi")))

CASES: list[Case] = [
    # Quantities in the study: units, counts, NaN, infinities, overflow, code.
    _i("memory-bare", "gpu.memory: 80", "gpu.memory needs a unit of [information]", '"80 GB"'),
    _i("ram-bare", "ram.capacity: 2048", "ram.capacity needs a unit of [information]"),
    _i("ssd-bare", "ssd.capacity: 3840", "needs a unit of [information]"),
    _i("gwp-bare", "electricity.gwp: 0.42", "needs a unit of [mass]/[energy]", "kg/kWh"),
    _i("water-bare", "electricity.water: 1.8", "needs a unit of [volume]/[energy]", "1.8 m³/kWh"),
    _i("wue-bare", "datacenter.wue: 0.5", "datacenter.wue needs a unit of [volume]/[energy]"),
    _i("power-bare", "gpu.power: 700", "gpu.power needs a unit of [power]", '"700 W"'),
    _i("peak-bare", "gpu.peak_flops: 989e12", "needs a unit of [computation]/[time]"),
    _i("memory-gauss", "gpu.memory: 8 G", "'G' multiplies a count", "8 GB"),
    _i("memory-k", "gpu.memory: 80k", "'k' multiplies a count", "[information]"),
    _i("memory-rate", "gpu.memory: 80 GB/s", "has dimension", "expected [information]"),
    _p("params-bytes", "7 byte", "has dimension [information]", "expected dimensionless"),
    _i("mfu-nan", "gpu.mfu: .nan", "not a finite number"),
    _i("mfu-inf", "gpu.mfu: .inf", "not a finite number"),
    _i("mfu-minus-inf", "gpu.mfu: -.inf", "not a finite number"),
    _p("params-1e400", "1e400", "'1e400' is not a finite number"),
    _p("params-inf-text", "inf", "'inf' is not a finite number"),
    _p("params-nan-text", "NaN", "'NaN' is not a finite number"),
    _p("params-infinity", "-Infinity", "not a finite number"),
    _p("params-huge-int", "9" * 400, "not a finite number"),
    _p("params-power-tower", '"10**10**10"', "is a calculation; a value is a number, then its unit"),
    _p("params-product", '"2 * 3"', "is a calculation"),
    _p("params-count-overflow", "1e300 T", "not a finite number"),
    _p("params-byte-word", "7 bytes", "has dimension [information]"),
    _p("params-percent-word", "7 percentage", "unknown unit 'percentage'"),
    _i("power-1e400-W", "gpu.power: 1e400 W", "not a finite number"),
    _i("memory-beyond-float", "gpu.memory: 1e308 EB", "beyond floating point"),
    # Finite, but far beyond the physical world: Brightway's matrices would overflow (NaN score,
    # singular matrix); 1e300 W x 1 h = 1e297 kWh per GPU-hour.
    # The place is the unit's workload line (6), the key the rule of the amount.
    Case("power-1e300", ("study.yaml:6, key 'gpu.power_charged'", "is 1e+297, beyond 1e+18"),
         study("gpu.power: 1e300 W")),
    Case("memory-1e300", ("study.yaml:6", "an amount of 'GPU, per GPU-hour in use",
                          "beyond 1e+18"),
         study("gpu.memory: 1e300 GB\ngpu.manufacturing: mlca-die")),
    Case("cpu-1e300", ("study.yaml:6, key 'cpu.power_drawn'", "beyond 1e+18"),
         study("cpu.power: 1e300 W")),
    _i("power-h0", "gpu.power: 1 h^0", "unknown unit 'h^0'", "whole number from 1 to 12"),
    _i("power-W99", "gpu.power: 700 W**99", "whole number from 1 to 12"),
    _i("power-unknown-unit", "gpu.power: 700 Wattz", "unknown unit 'Wattz'"),
    _i("power-code", "gpu.power: \"__import__('os').system('true')\"",
       "is not a number with a unit"),
    _i("power-open-paren", "gpu.power: 700 (W", "unknown unit"),
    _i("power-close-paren", "gpu.power: 700 W)", "unknown unit"),
    _i("power-bool", "gpu.power: true", "got the boolean True"),
    _i("power-list", "gpu.power: [700]", "got list"),
    # A mapping is a value with its source, {value, source} (issue 17): other keys are refused.
    _i("power-mapping", "gpu.power: {W: 700}", "unknown key 'W'; expected one of value, source"),
    _i("power-unsourced", "gpu.power: {value: 700 W}", "{value: VALUE, source: TEXT}, both given"),
    _i("power-sourced-dict", "gpu.power: {value: {W: 700}, source: datasheet}", "got dict"),
    _i("power-date", "gpu.power: 2024-01-01", "got date"),
    _i("power-null", "gpu.power: null", "got NoneType"),
    _i("power-empty", "gpu.power: ''", "is not a number with a unit"),
    _i("power-long", "gpu.power: " + "7" * 300 + " W", "longer than 200 characters"),
    _i("power-words", "gpu.power: seven hundred watts", "is not a number with a unit"),
    _i("mfu-above-one", "gpu.mfu: 1.5", "gpu.mfu = 1.5 is above the maximum 1"),
    Case("tokens-negative", ("study.yaml:9", "is below the minimum 0"),
         study().replace("training.tokens: 15e12", "training.tokens: -1")),
    _i("mfu-percent-above", "gpu.mfu: 150 %", "is above the maximum 1"),
    _i("unknown-rule", "gpu.powr: 700 W", "unknown rule 'gpu.powr'", "did you mean"),
    _i("precision-choice", "compute.precision: fp7", "compute.precision is one of"),
    _i("precision-number", "compute.precision: 8", "compute.precision is one of"),
    Case("computed-overflow", ("rule 'flops.training'", "not a finite number"),
         study().replace("405e9\n      training.tokens: 15e12", "1e300\n      training.tokens: 1e300")),
    # The same through --set.
    _set("set-inf", "model.parameters=inf", "key 'model.parameters'", "not a finite number"),
    _set("set-nan", "gpu.mfu=nan", "key 'gpu.mfu'", "not a finite number"),
    _set("set-1e400", "model.parameters=1e400", "not a finite number"),
    _set("set-power-tower", "model.parameters=10**10**10", "'10**10**10' is a calculation"),
    _set("set-memory-bare", "gpu.memory=80", "needs a unit of [information]", '"80 GB"'),
    _set("set-gwp-bare", "electricity.gwp=0.42", "needs a unit of [mass]/[energy]"),
    _set("set-wue-bare", "datacenter.wue=0.5", "needs a unit of [volume]/[energy]"),
    _set("set-power-bare", "gpu.power=700", "needs a unit of [power]"),
    _set("set-no-equals", "gpu.power", "--set takes RULE=VALUE"),
    _set("set-no-name", "=5", "--set takes RULE=VALUE"),
    _set("set-no-value", "gpu.power=", "--set takes RULE=VALUE"),
    _set("set-unknown", "gpu.powr=5 W", "unknown rule 'gpu.powr'"),
    _set("set-h0", "gpu.power=1 h^0", "whole number from 1 to 12"),
    _set("set-bytes", "model.parameters=7 byte", "has dimension [information]"),
    _set("set-gauss", "gpu.memory=8 G", "'G' multiplies a count"),
    _set("set-mfu-negative", "gpu.mfu=-0.1", "below the minimum"),
    _set("set-control-char", "gpu.power=7\x010 W", "unexpected character '\\x01'"),
    _set("set-choice", "allocation=nonsense", "allocation is one of"),
    # The study file itself: what it is, how big, how it is written.
    Case("study-is-folder", ("is a folder",), path="dir"),
    Case("study-missing", ("file not found",), path="missing"),
    Case("study-dev-zero", ("larger than 1,000,000 bytes",), path="/dev/zero"),
    Case("study-nul-in-name", ("argument study:", "holds a NUL byte"), path="nul-name"),
    Case("out-nul-in-name", ("argument --out:", "holds a NUL byte"), study(),
         ("assess", "{study}", "--out", "{out}\x00x")),
    Case("study-unreadable", ("cannot be read",), study(), path="unreadable", skip_root=True),
    Case("study-too-large", ("larger than 1,000,000 bytes",), study() + "#" * 1_000_001 + "\n"),
    Case("study-latin1", ("not UTF-8 text",), study("gpu.power: 700 W # caf\xe9").encode("latin-1")),
    Case("control-char", ("study.yaml:1", "character #x0001 is not allowed"),
         "study: a\x01b\n" + study()[len("study: Bad-input battery\n"):]),
    Case("nul-char", ("character #x0000 is not allowed",), study() + "\x00\n"),
    Case("self-alias", ("study.yaml:7", "an alias refers to the collection that contains it"),
         study().replace("    inputs:\n      model", "    inputs: &x\n      loop: [*x]\n      model", 1)),
    Case("alias-bomb", ("holds more than 100,000 values",), ALIAS_BOMB),
    Case("deep-nesting", ("study.yaml:1", "nested more than 50 levels deep"),
         "study: " + "[" * 200 + "]" * 200 + "\n"),
    Case("timestamp-tag", ("study.yaml:1", "cannot be read as !!timestamp"),
         "study: !!timestamp not-a-date\n"),
    Case("int-tag", ("cannot be read as !!int",), "study: !!int 1.5\n"),
    Case("python-tag", ("could not determine a constructor",), "study: !!python/name:os.system x\n"),
    Case("python-apply-tag", ("study.yaml:1", "the tag !!python/object/apply:os.system is not "
                                              "allowed"),
         "study: !!python/object/apply:os.system ['true']\n"),
    Case("set-tag", ("the tag !!set is not allowed",), "study: !!set {a}\n"),
    _i("binary-tag", "gpu.power: !!binary 'AAAA'", "got bytes"),
    Case("duplicate-key", ("study.yaml:2", "duplicate key 'study' (first at line 1)"),
         "study: a\n" + study()),
    Case("complex-key", ("a key must be a plain scalar",), "? [a, b]\n: 1\n" + study()),
    Case("unclosed-bracket", ("study.yaml:13", "malformed YAML", "did not find expected ',' or ']'"),
         study().replace("inputs: {{", "inputs: [").replace("inputs: {model", "inputs: [model")),
    Case("tab-indent", ("study.yaml:5", "malformed YAML", "cannot start any token"), study().replace("  - name: training", "\t- name: training")),
    Case("empty-file", ("a study file is a mapping",), ""),
    Case("study-is-list", ("a study file is a mapping",), "- a\n- b\n"),
    Case("study-is-scalar", ("a study file is a mapping",), "just text\n"),
    Case("two-documents", ("study.yaml:16", "but found another document"), study() + "---\nstudy: other\n"),
    Case("unknown-top-key", ("study.yaml:1", "unknown key 'studdy'", "did you mean study"),
         study().replace("study:", "studdy:", 1)),
    Case("missing-title", ("missing 'study'",), study().replace("study: Bad-input battery", "study: ''")),
    Case("title-not-text", ("missing 'study'",), study().replace("study: Bad-input battery", "study: [a]")),
    Case("units-empty", ("'functional_units' is a list",),
         study().split("functional_units:")[0] + "functional_units: []\n"),
    Case("units-mapping", ("'functional_units' is a list",),
         study().split("functional_units:")[0] + "functional_units: {a: 1}\n"),
    Case("unit-not-mapping", ("a functional unit is a mapping",),
         study().split("functional_units:")[0] + "functional_units: [training]\n"),
    Case("unit-no-name", ("study.yaml:5", "unknown key 'nam' (did you mean name?)"),
         study().replace("- name: training", "- nam: training")),
    Case("unit-name-empty", ("study.yaml:5", "needs a 'name'"),
         study().replace("- name: training", "- name: ''")),
    Case("unit-same-name", ("two functional units are named 'training'",),
         study().replace("- name: inference", "- name: training")),
    Case("unit-no-workload", ("study.yaml:5", "functional unit 'training' needs a 'workload'"),
         study().replace("    workload: training\n", "")),
    Case("workload-unknown", ("study.yaml:6", "workload is one of"),
         study().replace("workload: training", "workload: trainin")),
    Case("inputs-list", ("'inputs' is a mapping",), study().replace(
        "    inputs:\n      model.parameters: 405e9\n      training.tokens: 15e12\n",
        "    inputs: [model.parameters]\n")),
    _swap("location-unknown", "location: USA", "location: Atlantis",
          "study.yaml:2, key 'location'", "unknown location 'Atlantis'"),
    _swap("location-number", "location: USA", "location: 33", "'location' is a name"),
    _swap("hardware-unknown", "hardware: dgx-h100", "hardware: dgx-h1000",
          "study.yaml:3, key 'hardware'", "unknown server 'dgx-h1000'", "did you mean dgx-h100"),
    _swap("hardware-list", "hardware: dgx-h100", "hardware: [a]", "'hardware' is a server id"),
    _swap("hardware-gpu-number", "hardware: dgx-h100", "hardware: {gpu: 100}",
          "'hardware.gpu' is a catalog id"),
    _swap("datacenter-unknown", "location: USA", "location: USA\ndatacenter: nowhere",
          "study.yaml:3, key 'datacenter'", "unknown data centre 'nowhere'"),
    _swap("allocation-unknown", "location: USA", "location: USA\nallocation: most",
          "study.yaml:3, key 'allocation'", "allocation is one of gpu-count"),
    _swap("goal-list", "location: USA", "location: USA\ngoal: [a]", "'goal' is a mapping"),
    _swap("goal-unknown-key", "location: USA", "location: USA\ngoal: {aim: x}",
          "unknown key 'aim'"),
    # Shares of another unit: formulas, with their limits.
    Case("include-unknown", ("includes unknown unit 'trainin'",),
         study().replace("{unit: training,", "{unit: trainin,")),
    Case("include-self", ("include each other in a cycle",),
         study().replace("{unit: training,", "{unit: inference,")),
    Case("include-not-list", ("'includes' is a list",),
         study().replace("      - {unit: training, share: 1e-9}", "      {unit: training}")),
    Case("include-cycle", ("include each other in a cycle",),
         study().replace("      training.tokens: 15e12\n",
                         "      training.tokens: 15e12\n    includes: [{unit: inference}]\n")),
    _share("share-condition", "1 > 0", "must be a number of 0 or more", "got a condition"),
    _share("share-text", "\"'abc'\"", "must be a number of 0 or more", "got text"),
    _share("share-negative", "-0.5", "got a negative number"),
    _share("share-unit", "1 kg", "got a quantity in kg"),
    _share("share-power-tower", "10 ** 10 ** 10", "exponent is at most 64"),
    _share("share-power-101", "2 ** 101", "exponent is at most 64"),
    # An exponent computed from data is not bounded (the serving route raises to the batch size),
    # but 10 ** 405e9 is beyond floating point: refused as not finite, not computed with integers.
    _share("share-power-from-data", "10 ** model.parameters", "not a finite number"),
    _share("share-1e400", "1e400", "beyond floating point"),
    _share("share-overflow", "1e200 * 1e200", "not a finite number"),
    _share("share-nan", ".nan", "unknown rule 'nan'"),
    _share("share-deep-parentheses", DEEP, "nests more than 32 levels"),
    _share("share-summed-500", SUMMED, "the limit is 1,000"),
    _share("share-summed-100", "+".join(["1e-12"] * 100), "chains more than 64 operations"),
    _share("share-long", "1" + " + 1" * 400, "the limit is 1,000"),
    _share("share-signs", "-" * 100 + "1", "nests more than 32 levels"),
    _share("share-nots", "not " * 100 + "true", "nests more than 32 levels"),
    _share("share-function", "exp(1)", "unknown function 'exp'"),
    _share("share-code", "\"__import__('os').system('true')\"", "unexpected character '.'"),
    _share("share-call", "\"__import__('os')\"", "unknown function '__import__'"),
    _share("share-attribute", "\"().__class__\"", "unexpected character '.'"),
    _share("share-division-by-zero", "1 / 0", "division by zero"),
    _share("share-h0", "1 h^0", "whole number from 1 to 12"),
    _share("share-unknown-rule", "trainingg.tokens / 1e15", "unknown rule 'trainingg.tokens'"),
    _share("share-sqrt-negative", "sqrt(-1)", "square root of a negative number"),
    # Command-line options: refused before anything is computed or written.
    Case("out-under-file", ("key '--out'", "which is a file, not a folder"), study(),
         ("assess", "{study}", "--out", "{study}/out")),
    Case("out-is-file", ("key '--out'", "is a file; --out takes a folder"), study(),
         ("assess", "{study}", "--out", "{study}")),
    Case("out-read-only", ("key '--out'", "is not writable"), study(),
         ("assess", "{study}", "--out", "{readonly}/out"), skip_root=True),
    _cli("seed-negative", ("--seed", "-1"), "key '--seed'", "from 0 to 4,294,967,295, not -1"),
    _cli("seed-huge", ("--seed", str(2**32)), "key '--seed'", "not 4294967296"),
    _cli("seed-text", ("--seed", "x"), "argument --seed: invalid int value"),
    _cli("iterations-zero", ("--iterations", "0"), "--iterations takes a number of samples"),
    _cli("iterations-billion", ("--iterations", "1000000000", "--out", "{out}"),
         "key '--iterations'", "the limit is 2 GiB", "at most"),
    _cli("sobol-three", ("--sobol", "3"), "--sobol takes a power of 2"),
    _cli("sobol-huge", ("--sobol", str(2**22)), "key '--sobol'", "the limit is 2 GiB"),
    _cli("allocation-unknown-option", ("--allocation", "most"), "allocation is one of",
         command="assess"),
    Case("project-long", ("argument --project:", "1 to 100 printable characters"), study(),
         ("assess", "{study}", "--project", "p" * 300)),
    Case("project-control", ("argument --project:", "1 to 100 printable characters"), study(),
         ("assess", "{study}", "--project", "a\x01b")),
    Case("project-empty", ("argument --project:", "1 to 100 printable characters"), study(),
         ("assess", "{study}", "--project", "")),
    Case("compare-neither", ("compare takes either",), study(), ("compare", "{study}")),
    # A bad study among good ones, or under every allocation rule: checked before any is run.
    Case("scenario-second-bad", (f"study.yaml:{INPUT_LINE}", "needs a unit of [information]"),
         study("gpu.memory: 80"), ("compare", "--scenario", "{example}", "{study}", "--out",
                                   "{out}")),
    Case("allocations-bad", (f"study.yaml:{INPUT_LINE}", "needs a unit of [power]"),
         study("gpu.power: 700"), ("compare", "{study}", "--allocation", "all", "--out",
                                   "{out}")),
    Case("uncertainty-bad-share", (f"study.yaml:{SHARE_LINE}", "got a condition"),
         study(share="1 > 0"), ("uncertainty", "{study}", "--out", "{out}")),
    Case("unknown-option", ("unrecognized arguments: --outt",), study(),
         ("assess", "{study}", "--outt", "x")),
    Case("explain-unknown-rule", ("unknown rule 'gpu.hourz'",), study(),
         ("explain", "{study}", "gpu.hourz")),
    # Rule files (--model): the same limits hold for the model's own values and formulas.
    _rule("rule-value-nan", "  unit: W\n  value: .nan", "not a finite number"),
    _rule("rule-value-1e400", "  unit: W\n  value: 1e400", "not a finite number"),
    _rule("rule-value-bare-information", "  unit: GB\n  value: 80 W", "expected [information]"),
    _rule("rule-unit-h0", "  unit: h^0", "unknown unit 'h^0'"),
    _rule("rule-unit-code", "  unit: \"__import__('os')\"", "unknown unit"),
    _rule("rule-formula-tower", "  unit: '1'\n  formula: 10 ** 10 ** 10", "exponent is at most 64"),
    _rule("rule-formula-deep", f"  unit: '1'\n  formula: '{DEEP}'", "nests more than 32 levels"),
    _rule("rule-formula-summed", f"  unit: '1'\n  formula: '{SUMMED}'", "the limit is 1,000"),
    _rule("rule-formula-unit-power", "  unit: h\n  formula: 1 h^0", "whole number from 1 to 12"),
    _rule("rule-formula-1e400", "  unit: '1'\n  formula: 1e400 * 2", "beyond floating point"),
    _rule("rule-bounds-inf", "  unit: W\n  bounds: {max: .inf}", "not a finite number"),
    _rule("rule-uncertainty-nan", "  unit: W\n  value: 1 W\n  uncertainty: {distribution: normal, "
                                  "mean: 1 W, sd: .nan, source: x}", "not a finite number"),
]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under the Brightway folder, with its size and modification time."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def _materialise(case: Case, tmp_path: Path) -> dict[str, str]:
    """The case's files, and the values of the placeholders of its command line."""
    path = tmp_path / "study.yaml"
    if case.text is not None:
        data = case.text if isinstance(case.text, bytes) else case.text.encode("utf-8")
        path.write_bytes(data)
    if case.path == "dir":
        path.mkdir()
    elif case.path == "missing":
        path = tmp_path / "missing.yaml"
    elif case.path == "nul-name":
        path = tmp_path / "study\x00.yaml"
    elif case.path == "/dev/zero":
        path = Path("/dev/zero")
    elif case.path == "unreadable":
        path.chmod(0)
    model = tmp_path / "model"
    if case.rule is not None:
        model.mkdir()
        (model / "rules.yaml").write_text(RULE.format(body=case.rule), encoding="utf-8")
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o500)
    return {"study": str(path), "out": str(tmp_path / "out"), "model": str(model),
            "readonly": str(readonly), "example": str(ROOT / "examples" / "llama-3.1-405b.yaml")}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    if case.skip_root and os.geteuid() == 0:
        pytest.skip("root reads and writes whatever the permissions say")
    places = _materialise(case, tmp_path)
    project = f"battery-{case.id}"
    argv = [a.format(**places) for a in case.argv]
    if argv[0] in ("assess", "uncertainty", "compare") and "--project" not in argv:
        argv += ["--project", project]
    brightway = Path(os.environ["BRIGHTWAY2_DIR"])
    before = _snapshot(brightway)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    message = err.getvalue()
    assert code == 2, message
    assert "Traceback" not in message and message.startswith("error: "), message
    for words in case.expect:
        assert words in message, f"{words!r} not in {message!r}"
    assert not (tmp_path / "out").exists(), "--out was written"
    after = _snapshot(brightway)
    assert after == before, "the Brightway folder changed"
    assert not any(project in p for p in after), "a project of the case exists"


@pytest.mark.parametrize("case_id", ["memory-bare", "iterations-billion"])
def test_bad_input_in_a_fresh_process(case_id: str, tmp_path: Path) -> None:
    """The console command, in a process of its own with an empty Brightway folder: status 2,
    and the folder stays empty (not even bw2data's default project is made)."""
    case = next(c for c in CASES if c.id == case_id)
    places = _materialise(case, tmp_path)
    brightway = tmp_path / "brightway"
    brightway.mkdir()
    env = {**os.environ, "BRIGHTWAY2_DIR": str(brightway),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "lca", *(a.format(**places) for a in case.argv)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and case.expect[-1] in done.stderr
    assert list(brightway.iterdir()) == [] and not (tmp_path / "out").exists()


def test_the_battery_is_large_and_distinct() -> None:
    """At least 120 cases (issue 14), each with its own id."""
    assert len(CASES) >= 120
    assert len({c.id for c in CASES}) == len(CASES)


def test_base_study_is_valid(tmp_path: Path) -> None:
    """The cases fail because of what each changes: BASE itself explains without an error."""
    path = tmp_path / "study.yaml"
    path.write_text(study(), encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["explain", str(path), "flops", "--unit", "training"]) == 0
    # 6 x 405e9 x 15e12 = 3.645e25 FLOP (the 6PT approximation, by hand).
    assert "3.645e+25" in out.getvalue()


def test_out_where_you_cannot_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`out-read-only` above is skipped for root, whom no permission stops: here the access check
    itself says no, as it does for any other user in a read-only folder."""
    from lca.report import bundle

    asked = []
    monkeypatch.setattr(bundle.os, "access", lambda path, mode: asked.append(path) or False)
    path = tmp_path / "study.yaml"
    path.write_text(study(), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["assess", str(path), "--out", str(tmp_path / "out" / "bundle")])
    assert code == 2 and "key '--out'" in err.getvalue() and "is not writable" in err.getvalue()
    # The nearest folder that exists is the one asked about; nothing is created under it.
    assert asked == [tmp_path] and not (tmp_path / "out").exists()
