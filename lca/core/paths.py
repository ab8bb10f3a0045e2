"""Where the shipped data folders are: beside the package in a checkout, inside it once installed.

`model/`, `inventories/`, `methods/` and `examples/` live at the top of the repository; a wheel
carries them as `lca/_data/...` (see pyproject.toml), so both an editable and a plain install find
them.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # lca/, which holds _data in a wheel
REFERENCES_FILE = "references.yaml"  # the source registry, in model/ beside the rule files


def data_dir(name: str) -> Path:
    """The folder `model`, `inventories`, `methods` or `examples`."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the data folder '{name}' is missing from the installation")


# Files of model/ that are not rule files: the source registry and the foreground template
# (lca/inventory/template.py).
TEMPLATE_FILE = "foreground.yaml"
NOT_RULES = (REFERENCES_FILE, TEMPLATE_FILE)


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a model folder: its YAML files but the registry and the template."""
    return sorted(p for p in Path(folder).glob("*.yaml") if p.name not in NOT_RULES)


def model_files() -> list[Path]:
    """The rule files of the shipped model."""
    return rule_files(data_dir("model"))
