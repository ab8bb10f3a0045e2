"""The source registry, `model/references.yaml`, and the citations of it.

Every source in the shipped data cites one registry entry by id: `"dubey2024-llama3"` alone, or
`"dubey2024-llama3: Table 3, 8 key-value heads"` with the detail read there. An id the registry
does not have is an input error naming the file, the line and the nearest ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, TypedDict

from lca.core.errors import InputError, Where, did_you_mean
from lca.core.paths import REFERENCES_FILE, data_dir
from lca.core.provenance import Citation
from lca.core.yamlsource import read_yaml

ENTRY_KEYS = ("authors", "publisher", "title", "year", "licence", "url", "doi", "docs", "data",
              "notes")
LOCATORS = ("url", "doi", "docs")
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_CITATION = re.compile(rf"({_ID})(?::\s+(\S.*))?", re.S)


@dataclass(frozen=True)
class Reference:
    """One source document of the registry."""

    id: str
    title: str
    year: int
    authors: str = ""  # or the publisher, for a manufacturer, an agency, a project
    licence: str = ""
    url: str = ""
    doi: str = ""
    docs: str = ""  # a file of docs/, shipped with the package
    data: str = ""  # where a data set's files are, when apart from the paper
    notes: str = ""

    @property
    def locator(self) -> str:
        """Where a reader finds it: the URL, else the DOI as a link, else the shipped document."""
        if self.url:
            return self.url
        return f"https://doi.org/{self.doi}" if self.doi else self.docs

    def text(self) -> str:
        """'Kaplan, J. et al. (2020). Scaling Laws ... https://arxiv.org/abs/2001.08361'."""
        licence = f" Licence {self.licence}." if self.licence else ""
        return f"{self.authors} ({self.year}). {self.title}.{licence} {self.locator}"


class Registry(dict[str, Reference]):
    """The registry's entries by id."""

    def check(self, citation: Citation, where: Where) -> Citation:
        """The citation, or an input error naming the unknown id and the nearest ones."""
        if citation.ref not in self:
            raise InputError(f"unknown source '{citation.ref}'{did_you_mean(citation.ref, self)}: "
                             f"a citation names an entry of model/{REFERENCES_FILE}", where)
        return citation


def _split(text: Any) -> Citation | None:
    """'ID' or 'ID: detail' as a Citation (the detail's whitespace folded), or None."""
    match = _CITATION.fullmatch(text.strip()) if isinstance(text, str) else None
    return Citation(match.group(1), " ".join((match.group(2) or "").split())) if match else None


def parse_citation(text: Any, where: Where) -> Citation:
    """'ID' or 'ID: detail' as a Citation, the id checked against the registry."""
    citation = _split(text)
    if citation is None:
        raise InputError(f"a source is 'ID' or 'ID: detail', ID an entry of model/"
                         f"{REFERENCES_FILE} (e.g. 'dubey2024-llama3: Table 3'); got {text!r}",
                         where)
    return registry().check(citation, where)


def citation_or_none(text: str) -> Citation | None:
    """The citation a text is, or None for free text (a study's own source for its value)."""
    citation = _split(text)
    return citation if citation is not None and citation.ref in registry() else None


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The shipped registry, read and checked once per process."""
    return load_registry(data_dir("model") / REFERENCES_FILE)


def load_registry(path: Path) -> Registry:
    """Read a registry file; each entry needs a title, a year and a URL, a DOI or a docs file."""
    doc = read_yaml(path, f"model/{path.name}")
    if not isinstance(doc.data, dict):
        raise InputError("the registry is a mapping of ids to entries", Where(doc.file, 1))
    out = Registry()
    for ref, body in doc.data.items():
        here = doc.where((ref,))
        if not isinstance(ref, str) or not re.fullmatch(_ID, ref):
            raise InputError(f"a registry id is lower-case words joined by '-', not {ref!r}", here)
        if not isinstance(body, dict):
            raise InputError(f"entry '{ref}' is a mapping (title, year, url, ...)", here)
        for key, value in body.items():
            if key not in ENTRY_KEYS:
                raise InputError(f"unknown key '{key}'{did_you_mean(str(key), ENTRY_KEYS)}",
                                 doc.where((ref, key)))
            if key != "year" and not isinstance(value, str):
                raise InputError(f"'{key}' is text", doc.where((ref, key)))
        if not isinstance(body.get("title"), str) or not isinstance(body.get("year"), int):
            raise InputError(f"entry '{ref}' needs a title and a year", here)
        if not any(body.get(k) for k in LOCATORS):
            raise InputError(f"entry '{ref}' needs a url, a doi or a docs file", here)
        docs = body.get("docs", "")
        if docs and not (data_dir("docs") / Path(docs).relative_to("docs")).is_file():
            raise InputError(f"'{docs}' is not a shipped document of docs/",
                             doc.where((ref, "docs")))
        fields = {k: body.get(k, "") for k in ("title", "licence", "url", "doi", "docs",
                                                "data", "notes")}
        out[ref] = Reference(ref, year=body["year"],
                             authors=body.get("authors") or body.get("publisher", ""), **fields)
    return out


class CitedFor(TypedDict):
    """What an entry of the registry is cited for (its detail) and by which rules or datasets."""

    detail: str
    used_by: list[str]


class ReferenceRow(TypedDict):
    """An entry of the source registry (model/references.yaml) the results cite."""

    id: str
    authors: str
    title: str
    year: int
    licence: str
    url: str
    cited_for: list[CitedFor]


def cited(uses: Iterable[tuple[Citation, str]]) -> list[ReferenceRow]:
    """The registry entries behind (citation, used by) pairs, each once, in id order, with the
    details read and what used each: the source list of the results and the report."""
    details: dict[str, dict[str, list[str]]] = {}
    for citation, used_by in uses:
        users = details.setdefault(citation.ref, {}).setdefault(citation.detail, [])
        if used_by not in users:
            users.append(used_by)
    entries = registry()
    out: list[ReferenceRow] = []
    for ref in sorted(details):
        entry = entries[ref]
        out.append({"id": ref, "authors": entry.authors, "title": entry.title,
                    "year": entry.year, "licence": entry.licence, "url": entry.locator,
                    "cited_for": [{"detail": d, "used_by": u} for d, u in details[ref].items()]})
    return out
