"""The API reference navigation: Concepts (Keras), Reference (NumPy), Book machinery."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "mkdocs_hooks"))

import api  # noqa: E402


def test_every_public_module_is_in_exactly_one_group():
    nav = api.grouped_nav()
    assert [next(iter(g)) for g in nav] == list(api.GROUPS)
    pages = [
        page for group in nav for entries in group.values() for e in entries for page in e.values()
    ]
    assert sorted(pages) == sorted(f"api/{n}.md" for n in api.public_modules())
    assert len(pages) == len(set(pages))


def test_groups_follow_the_layers():
    assert api.group_of("mlfoundations.losses") == "Concepts (Keras)"
    assert api.group_of("mlfoundations.reference.losses") == "Reference (NumPy)"
    assert api.group_of("mlfoundations.reference") == "Reference (NumPy)"
    for name in ("mlfoundations", "mlfoundations.book.chapter", "mlfoundations.checks"):
        assert api.group_of(name) == "Book machinery"


def test_on_config_fills_the_api_section():
    config = {"nav": [{"Home": "index.md"}, {"API reference": []}]}
    api.on_config(config)
    assert config["nav"][1]["API reference"] == api.grouped_nav()
