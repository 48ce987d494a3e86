"""MkDocs hook: one API reference page per public module, generated from the docstrings.

Every ``mlfoundations/<module>.py`` and ``mlfoundations/reference/<module>.py`` whose name
does not start with an underscore gets a page ``api/<dotted.name>.md`` holding a
mkdocstrings directive, and an entry in the "API reference" section of the navigation,
grouped as the package is layered (:func:`group_of`):

* *Concepts (Keras)*: ``mlfoundations/<concept>.py``, what the chapters teach, in Keras;
* *Reference (NumPy)*: ``mlfoundations/reference/<concept>.py``, the ground truth;
* *Book machinery*: the package page, ``mlfoundations/book/`` and the support modules
  (backends, data, argument checks, test helpers).

New modules appear in the reference without editing ``mkdocs.yml``.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mlfoundations"


def public_modules() -> list[str]:
    """Dotted names of the package's public modules, the package itself first."""
    names = ["mlfoundations"]
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        if any(part.startswith("_") for part in rel.parts):
            if rel.name == "__init__" and rel.parent != Path("mlfoundations"):
                names.append(".".join(rel.parent.parts))
            continue
        names.append(".".join(rel.parts))
    return names


GROUPS = ("Concepts (Keras)", "Reference (NumPy)", "Book machinery")
SUPPORT = {"backend", "checks", "data", "testing", "text"}
"""Top-level modules that serve the book rather than teach a concept."""


def group_of(name: str) -> str:
    """The navigation group of module ``name`` (one of :data:`GROUPS`)."""
    parts = name.split(".")
    if len(parts) > 1 and parts[1] == "reference":
        return GROUPS[1]
    if len(parts) == 1 or parts[1] == "book" or parts[1] in SUPPORT:
        return GROUPS[2]
    return GROUPS[0]


def grouped_nav() -> list[dict]:
    """``[{group: [{label: page}, ...]}, ...]`` for the "API reference" section."""
    names = public_modules()
    return [
        {group: [{_label(n): f"api/{n}.md"} for n in names if group_of(n) == group]}
        for group in GROUPS
    ]


def _label(name: str) -> str:
    return name.removeprefix("mlfoundations.") if name != "mlfoundations" else "mlfoundations"


def on_config(config):
    for entry in config.get("nav") or []:
        if isinstance(entry, dict) and "API reference" in entry:
            entry["API reference"] = grouped_nav()
    return config


def on_files(files, config):
    for name in public_modules():
        members = "\n    options:\n      members: false" if name == "mlfoundations" else ""
        content = f"# `{name}`\n\n::: {name}{members}\n"
        files.append(File.generated(config, f"api/{name}.md", content=content))
    return files
