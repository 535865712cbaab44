"""Every number the warehouse publishes is what it was: the shared small province, built by this
checkout, against the fingerprints stored in tests/expected/published_digests.json.

A refactoring must leave them unchanged. A deliberate change of the numbers (a new definition from the
bureau, a generator change) regenerates them with `python -m tests.published_digests --update`, in the
same commit, saying why.
"""

from __future__ import annotations

import json

from tests.built_province import built_warehouse
from tests.published_digests import EXPECTED, digests


def test_published_relations_are_unchanged(tmp_path_factory):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    actual = digests(built_warehouse(tmp_path_factory))
    changed = {name: (expected.get(name), actual.get(name))
               for name in sorted(set(expected) | set(actual)) if expected.get(name) != actual.get(name)}
    assert not changed, "published relations changed:\n" + "\n".join(
        f"  {name}: expected {old}\n  {' ' * len(name)}  actual   {new}" for name, (old, new) in changed.items())
