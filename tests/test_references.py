"""The source registry (model/references.yaml): every citation in the shipped data resolves, every
entry is cited, no source names a file the package does not ship, and bad citations stop the run."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from lca.cli import main
from lca.core.errors import InputError, Where
from lca.core.paths import data_dir
from lca.core.references import Citation, load_registry, parse_citation, registry

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("model", "inventories", "methods", "examples", "docs")  # pyproject's force-include
# A path of this repository (not one inside a cited project, such as boaviztapi/data/...), or a
# bare Markdown file name such as the former "method.md section 2".
OUR_PATH = re.compile(r"(?<![\w/.-])((?:model|inventories|methods|examples|docs|benchmarks|seeds|"
                      r"scripts|tests|lca|shared)/[\w./-]*\w|[\w-]+\.md)\b")


def _sources(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(key path, text) of every `source` and `sources` item in a YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("source", "sources"):
                for i, item in enumerate(value if isinstance(value, list) else [value]):
                    if isinstance(item, str):
                        yield path + (key, i), item
            else:
                yield from _sources(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _sources(value, path + (i,))


def shipped_citations() -> list[tuple[str, str]]:
    """(place, text) of every source in the rules, catalogs, datasets, methods, caveats and
    validation cases, and of the electricity table's source column."""
    out = []
    files = [p for folder in ("model", "inventories", "methods") for p in
             sorted((ROOT / folder).glob("*.yaml")) if p.name != "references.yaml"]
    files += [ROOT / "lca/report/caveats.yaml", ROOT / "examples/validation.yaml"]
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [(f"{path.relative_to(ROOT)} {'.'.join(map(str, key))}", text)
                for key, text in _sources(data)]
    with (ROOT / "inventories/electricity.csv").open(encoding="utf-8", newline="") as handle:
        out += [(f"inventories/electricity.csv:{n}", row["source"])
                for n, row in enumerate(csv.DictReader(handle), start=2)]
    return out


def test_every_citation_resolves() -> None:
    """All of them, about 600 in the YAML files and one per row of electricity.csv (1,031)."""
    found = shipped_citations()
    assert len(found) > 1500
    for place, text in found:
        citation = parse_citation(text, Where(place))  # raises on an unknown id
        assert citation.ref in registry(), place


def test_every_entry_is_cited() -> None:
    """An entry nobody cites is reported here (it is no error at run time)."""
    cited = {parse_citation(text, Where(place)).ref for place, text in shipped_citations()}
    assert sorted(set(registry()) - cited) == []


def test_registry_schema() -> None:
    """Each entry: an id, a title, a year, and a URL, a DOI or a shipped document of docs/."""
    raw = yaml.safe_load((ROOT / "model/references.yaml").read_text(encoding="utf-8"))
    assert len(registry()) == len(raw) > 80
    for ref, entry in registry().items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", ref)
        assert entry.title and 1990 <= entry.year <= 2026 and entry.authors, ref
        assert entry.url.startswith("https://") or entry.doi.startswith("10.") or entry.docs, ref
        if entry.docs:
            assert (data_dir("docs") / Path(entry.docs).name).is_file(), ref
    # The published note and its English working copy are separate entries, the copy shipped.
    assert registry()["d4b-note"].docs == registry()["method"].docs == "docs/method.md"
    assert registry()["kaplan2020"].text() == (
        "Kaplan, J., McCandlish, S., Henighan, T. et al. (2020). Scaling Laws for Neural Language "
        "Models. https://arxiv.org/abs/2001.08361")


@pytest.mark.parametrize("body, message", [
    ("a:\n  title: A\n  year: 2020\n", "entry 'a' needs a url, a doi or a docs file"),
    ("a:\n  title: A\n  url: https://x.org\n", "entry 'a' needs a title and a year"),
    ("a:\n  title: A\n  year: 2020\n  docs: docs/nowhere.md\n",
     "'docs/nowhere.md' is not a shipped document of docs/"),
    ("a:\n  title: A\n  year: 2020\n  url: https://x.org\n  yaer: 2021\n",
     "unknown key 'yaer' (did you mean year?)"),
    ("Kaplan 2020:\n  title: A\n  year: 2020\n  url: https://x.org\n",
     "a registry id is lower-case words joined by '-'"),
])
def test_registry_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "references.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        load_registry(path)


def test_no_source_names_a_file_the_package_does_not_ship() -> None:
    """Citations name the registry's documents; a file they still name must ship (model/,
    inventories/, methods/, examples/, docs/), and so must a file the shipped docs name as a
    source (the reference cases' sources, the method's note)."""
    texts = [(place, text) for place, text in shipped_citations()]
    texts += [(f"model/references.yaml {ref}", f"{e.docs} {e.title} {e.notes}")
              for ref, e in registry().items()]
    for name in ("method.md", "reference-cases.md", "contract.md"):
        texts.append((f"docs/{name}", (ROOT / "docs" / name).read_text(encoding="utf-8")))
    checked = 0
    for place, text in texts:
        for name in OUR_PATH.findall(text):
            path = Path(name) if "/" in name else Path("docs") / name
            assert path.parts[0] in SHIPPED and (ROOT / path).exists(), f"{place}: {name}"
            checked += 1
    assert checked > 50  # inventories/manufacturing.yaml, docs/method.md ... are named, and ship


def test_parse_citation() -> None:
    assert parse_citation("kaplan2020", Where()) == Citation("kaplan2020")
    citation = parse_citation("dubey2024-llama3: Table 3:  8 key-value\n heads", Where())
    assert citation == Citation("dubey2024-llama3", "Table 3: 8 key-value heads")
    assert str(citation) == "dubey2024-llama3: Table 3: 8 key-value heads"
    with pytest.raises(InputError, match="a source is 'ID' or 'ID: detail'"):
        parse_citation("Kaplan et al. 2020, Scaling Laws", Where())


GOOD = """a.x:
  title: A
  unit: W
  value: 700
  sources: ["kaplan2020: C = 6NT", "dubey2024-llama3"]
"""


def test_unknown_id_in_a_rule_file_is_exit_2(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A rule file given with --model: the file, the line and key of the source, the near id."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "rules.yaml").write_text(GOOD, encoding="utf-8")
    assert main(["rules", "--model", str(folder)]) == 0
    capsys.readouterr()
    (folder / "rules.yaml").write_text(GOOD.replace("dubey2024-llama3", "dubey2024-lama3"),
                                       encoding="utf-8")
    assert main(["rules", "--model", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "rules.yaml:5, key 'a.x.sources.1': unknown source 'dubey2024-lama3'" in err
    assert "(did you mean dubey2024-llama3?)" in err


def test_unknown_id_in_an_uncertainty_is_exit_2(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    rule = GOOD.replace("  value: 700\n", "  value: 700\n  uncertainty: {distribution: uniform, "
                        "min: 600, max: 800,\n                source: barroso2070}\n")
    (folder / "rules.yaml").write_text(rule, encoding="utf-8")
    assert main(["rules", "--model", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "key 'a.x.uncertainty.source': unknown source 'barroso2070'" in err
    assert "did you mean barroso2007?" in err
