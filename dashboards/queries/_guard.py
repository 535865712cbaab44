"""The query layer's one check of the viewer's role: ``@requires(capability)`` on every function that
takes the viewer. Scope (which city) is checked inside each function, on the rows it reads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def requires(capability: str) -> Callable[[F], F]:
    """Refuse (ScopeError, a Chinese message) unless the viewer's role holds ``capability``."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def guarded(viewer, *args, **kwargs):
            viewer.require(capability)
            return fn(viewer, *args, **kwargs)

        guarded.capability = capability  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
