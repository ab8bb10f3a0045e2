"""The rules engine: loading checks, lazy vectorised evaluation, explanations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lca.core.errors import InputError, Where
from lca.core.provenance import Origin
from lca.core.rules.evaluate import Evaluator, make_override
from lca.core.rules.explain import explain
from lca.core.rules.ruleset import load_rules
from lca.report.explanation import render
from lca.study.file import load_study
from lca.study.resolve import overrides_for
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "llama-3.1-405b.yaml"


def rules_from(tmp_path: Path, text: str):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules([path])


def load_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as info:
        rules_from(tmp_path, text)
    return str(info.value)


def training_evaluator(model, **extra) -> Evaluator:
    """An evaluator of the example's training unit, with extra overrides by rule name."""
    study = load_study(EXAMPLE)
    (training,) = [u for u in study.functional_units if u.name == "training"]
    overrides = overrides_for(model, study, training)
    overrides.update({name: make_override(model[name], value, Where("test"))
                      for name, value in extra.items()})
    return Evaluator(model, overrides)


def test_vectorised_equals_scalar(model) -> None:
    """10,000 MFU samples in one evaluation give, sample by sample, the scalar result."""
    rng = np.random.default_rng(0)
    mfu = rng.uniform(0.25, 0.5, 10_000)
    vector = training_evaluator(model, **{"gpu.mfu": mfu}).value("energy.facility")
    assert vector.magnitude.shape == (10_000,)
    for i in (0, 1234, 9999):
        scalar = training_evaluator(model, **{"gpu.mfu": float(mfu[i])}).value("energy.facility")
        assert vector.magnitude[i] == pytest.approx(scalar.magnitude, rel=1e-12)
    # GPU-hours scale as 1 / MFU: the note's 25,594,034 h at 0.40.
    hours = training_evaluator(model, **{"gpu.mfu": mfu}).value("gpu.hours").magnitude
    assert np.allclose(hours * mfu, 25_594_034.378 * 0.40, rtol=1e-9)


def test_lazy_evaluation_needs_only_what_is_used(model) -> None:
    """Training never asks for inference inputs; given GPU-hours skip the FLOPs route entirely."""
    evaluator = training_evaluator(model, **{"gpu.hours": "1000 h"})
    assert evaluator.value("energy.gpu").to("kWh").magnitude == pytest.approx(700.0)  # 1000 h x 0.7 kW
    assert "flops" not in evaluator._values and "model.parameters" not in evaluator._values


def test_each_rule_is_evaluated_once(model, monkeypatch) -> None:
    evaluator = training_evaluator(model)
    calls: list[str] = []
    compute = evaluator._compute
    monkeypatch.setattr(evaluator, "_compute", lambda rule: calls.append(rule.name) or compute(rule))
    evaluator.value("energy.facility")
    evaluator.value("embodied.server_share")
    assert len(calls) == len(set(calls))
    assert calls.count("gpu.hours") == 1


def test_explanation_tree(model) -> None:
    tree = explain(training_evaluator(model), "gpu.hours")
    assert tree.value == "25,594,034 h"
    assert [c.name for c in tree.inputs] == ["workload", "compute.route", "flops", "gpu.peak_flops",
                                             "gpu.mfu", "compute.parallelism_overhead"]
    peak = tree.inputs[3]
    assert peak.how == "formula"
    (bf16,) = [c for c in peak.inputs if c.name == "gpu.peak_flops_bf16"]
    assert bf16.how == "override" and bf16.given.origin is Origin.CATALOG
    assert bf16.given.where.file == "inventories/gpus.yaml"
    # The catalog's citation of the registry, and the entry it resolves to.
    assert bf16.sources[0].startswith("nvidia-h100-datasheet: H100 SXM dense BF16/FP16")
    assert [c.ref for c in bf16.cited] == ["nvidia-h100-datasheet"]
    text = render(tree)
    assert "flops.training = 3.645e+25 FLOP" in text
    assert ("formula: 6 FLOP * model.active_parameters * training.tokens / "
            "(1 - training.recompute_share)") in text
    assert "[the variation for workload == 'training']" in text


def test_not_applicable_rule(model) -> None:
    evaluator = training_evaluator(model, workload="gpu_hours")
    with pytest.raises(InputError, match="does not apply here: it applies only if workload != 'gpu_hours'"):
        evaluator.value("flops")


def test_variation_without_else(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, """
k:
  title: k
  type: text
  choices: [a, b]
  sources: [method]
v:
  title: v
  unit: "1"
  variations:
    - if: k == 'a'
      then: 1
  sources: [method]
""")
    evaluator = Evaluator(rules, {"k": make_override(rules["k"], "b", Where("test"))})
    with pytest.raises(InputError, match="rule 'v' has no variation that applies here"):
        evaluator.value("v")


@pytest.mark.parametrize("text, message", [
    ("a:\n  title: a\n  unit: W\n", "rule 'a' needs 'sources'"),
    ("a:\n  title: a\n  unit: W\n  sources: [method]\n  formla: 1 W\n", "unknown key 'formla' in rule 'a' (did you mean formula?)"),
    ("a:\n  title: a\n  unit: W\n  sources: [method]\na:\n  title: b\n", "r.yaml:5, key 'a': duplicate key 'a' (first at line 1)"),
    ("a:\n  title: a\n  unit: 1\n  value: 2\n  bounds: {max: 1}\n  sources: [method]\n", "default of 'a' 2 is above the maximum 1"),
    ("a:\n  title: a\n  unit: Wats\n  sources: [method]\n", "unknown unit 'Wats'"),
    ("k:\n  title: k\n  type: text\n  choices: [training]\n  sources: [method]\n"
     "v:\n  title: v\n  unit: 1\n  formula: 1 if k == 'trainig' else 2\n  sources: [method]\n",
     "'trainig' is not a choice of k (training)"),
    ("a:\n  title: a\n  unit: 1\n  value: 1\n  uncertainty: {distribution: beta, min: 0, max: 1}\n  sources: [method]\n",
     "distribution 'beta' is not one of uniform, triangular, normal, lognormal"),
    ("a:\n  title: a\n  unit: 1\n  value: 1\n  formula: 2\n  sources: [method]\n", "has both a value and a formula"),
])
def test_rule_file_errors(tmp_path: Path, text: str, message: str) -> None:
    assert message in load_error(tmp_path, text)


def test_all_problems_reported_together(tmp_path: Path) -> None:
    message = load_error(tmp_path, "a:\n  title: a\n  unit: W\n  formula: x.y\n  sources: [method]\n"
                                   "b:\n  title: b\n  unit: W\n  formula: z.w\n  sources: [method]\n")
    assert message.startswith("2 problems in the rules")
    assert "r.yaml:4" in message and "r.yaml:9" in message


def test_shipped_rules_document_themselves(model) -> None:
    """Every shipped rule has a title and a source; every uncertainty says where its range is from."""
    for rule in model.rules.values():
        assert rule.title and rule.sources, rule.name
        if rule.uncertainty is not None:
            assert rule.uncertainty.source, rule.name


def test_a_bound_allows_rounding_only(tmp_path: Path) -> None:
    """A ratio of two equal quantities computed through unit factors may come out one float step
    above its maximum of 1 (1 + 2.2e-16): it passes; 1 + 1e-9 is a real excess and stops the run."""
    path = tmp_path / "r.yaml"
    path.write_text("u:\n  title: u\n  unit: 1\n  value: 0.5\n  bounds: {min: 0, max: 1}\n"
                    "  sources: [method]\n", encoding="utf-8")
    rules = load_rules([path])
    ok = make_override(rules["u"], np.nextafter(1.0, 2.0).item(), Where("test"))
    assert Evaluator(rules, {"u": ok}).value("u").magnitude == pytest.approx(1.0, rel=1e-15)
    with pytest.raises(InputError, match="above the maximum 1"):
        make_override(rules["u"], 1 + 1e-9, Where("test"))
