"""The scheduler: what notices a sweep decides, the outbox they are written to, their dispatch.

Sits between the engine and the notifiers (``wsr → scheduler → obligations → clauses``): the
decision step is pure (the state at ``now`` in, the notices due out), the recording and the
dispatch loop are the thin I/O around it, and the notifiers (``scheduler.notify``) only send.
"""

from __future__ import annotations
