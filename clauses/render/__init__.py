"""Renderers: the sealed Agreement record → documents (Markdown here; DOCX/PDF alongside)."""

from __future__ import annotations
