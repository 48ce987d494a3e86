"""Griffe extension: the few reStructuredText constructs of numpydoc, as Markdown.

The package's docstrings follow numpydoc, which borrows two things from reST that
mkdocstrings does not render: cross-reference roles (``:func:`name```, ``:class:``, ...)
and ``.. math::`` blocks. This extension rewrites them, before the docstrings are parsed,
into inline code and ``$$ ... $$`` display math (typeset by the site's KaTeX), so the API
reference reads as cleanly as the source.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|obj|exc|const):`~?([^`]+)`")


def _math_blocks(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(".. math::"):
            indent = line[: len(line) - len(stripped)]
            inline = stripped[len(".. math::") :].strip()
            body = [inline] if inline else []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(indent + " ")):
                body.append(lines[i].strip())
                i += 1
            while body and not body[-1]:
                body.pop()
            out += [indent + "$$", *(indent + b for b in body if b), indent + "$$", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def to_markdown(text: str) -> str:
    """Rewrite reST roles as inline code (last dotted part) and math blocks as ``$$``."""
    text = ROLE.sub(lambda m: f"`{m.group(1).split('.')[-1]}`", text)
    return _math_blocks(text) if ".. math::" in text else text


class RstToMarkdown(griffe.Extension):
    """Applies :func:`to_markdown` to every docstring griffe loads."""

    def on_instance(self, *, obj, **kwargs) -> None:  # noqa: D102
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
