"""The chapter → modules → tests map in ``mlfoundations.__doc__`` names files that exist."""

import re
from pathlib import Path

import mlfoundations

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\* \*\*(\d+)\*\* modules: (.+?); tests: (.+)$")


def _rows():
    """``(chapter, modules, tests)`` of each bullet, continuation lines joined."""
    items, lines = [], mlfoundations.__doc__.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("* **"):
            j = i + 1
            while j < len(lines) and lines[j].startswith("  "):
                j += 1
            items.append(" ".join(x.strip() for x in lines[i:j]))
    return [ROW.match(item).groups() for item in items if ROW.match(item)]


def test_map_covers_chapters_1_to_11():
    assert [int(ch) for ch, _, _ in _rows()] == list(range(1, 12))


def test_every_named_module_and_test_exists():
    missing = []
    for ch, modules, tests in _rows():
        for cell, where, pattern in (
            (modules, "mlfoundations", "{}.py"),
            (tests, "tests", "{}.py"),
        ):
            if "*planned*" in cell:
                continue
            for name in (n.strip() for n in cell.split(",")):
                if not (ROOT / where / pattern.format(name)).exists():
                    missing.append(f"chapter {ch}: {where}/{name}")
    assert not missing, missing


def test_every_existing_chapter_is_mapped_without_planned_modules():
    planned = {int(ch) for ch, modules, _ in _rows() if "*planned*" in modules}
    for path in (ROOT / "chapters").glob("[0-9][0-9]_*.py"):
        assert int(path.name[:2]) not in planned, f"{path.name} exists: update its map row"
