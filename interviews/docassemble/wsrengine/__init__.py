"""docassemble.wsrengine: a guided interview over the wsr-engine clause library."""

from __future__ import annotations

__version__ = "0.1.0"
