"""localorg: a Salesforce org on loopback (HTTPS REST, OAuth, SOQL, Bulk 2.0) that unmodified clients use."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localorg.server import Handle, start

__all__ = ["Handle", "start"]


def __getattr__(name: str) -> Any:
    """Import the server lazily so `import localorg.soql` stays light."""
    if name in __all__:
        from localorg import server
        return getattr(server, name)
    raise AttributeError(name)
