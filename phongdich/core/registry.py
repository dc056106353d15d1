"""A table of named callables that other apps fill in their AppConfig.ready, so that an app asks for what later apps
know without importing them (docs/structure.md: an app imports only the apps before it). The cases app's sample
sources, origin sources and evidence-note renderers, certificates' sources and healthcards' input providers are each
one."""

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T", bound=Callable)


class Registry(Generic[T]):
    def __init__(self) -> None:
        self._entries: dict[str, T] = {}

    def register(self, name: str, fn: T) -> None:
        """Add (or replace) the entry `name`."""
        self._entries[name] = fn

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def get(self, name: str) -> T | None:
        return self._entries.get(name)

    def copy(self) -> dict[str, T]:
        """The entries by name, a copy (what a test puts back)."""
        return dict(self._entries)

    def items(self) -> Iterator[tuple[str, T]]:
        return iter(list(self._entries.items()))
