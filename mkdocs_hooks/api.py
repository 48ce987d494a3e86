"""MkDocs hook: one API reference page per public module, generated from the docstrings.

Every ``mlfoundations/<module>.py`` and ``mlfoundations/reference/<module>.py`` whose name
does not start with an underscore gets a page ``api/<dotted.name>.md`` holding a
mkdocstrings directive, and an entry in the "API reference" section of the navigation. New
modules appear in the reference without editing ``mkdocs.yml``.
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


def _label(name: str) -> str:
    return name.removeprefix("mlfoundations.") if name != "mlfoundations" else "mlfoundations"


def on_config(config):
    for entry in config.get("nav") or []:
        if isinstance(entry, dict) and "API reference" in entry:
            entry["API reference"] = [{_label(n): f"api/{n}.md"} for n in public_modules()]
    return config


def on_files(files, config):
    for name in public_modules():
        members = "\n    options:\n      members: false" if name == "mlfoundations" else ""
        content = f"# `{name}`\n\n::: {name}{members}\n"
        files.append(File.generated(config, f"api/{name}.md", content=content))
    return files
