"""DOCX -> PDF through LibreOffice headless (``soffice --convert-to pdf``).

Each call runs soffice with its own throw-away user profile (``-env:UserInstallation``), so
parallel conversions (tests, several CLI runs) never fight over one profile's lock file. Half of
a conversion is soffice starting, so :func:`render_pdfs` converts many files in one process.
LibreOffice is optional: without it, :class:`~clauses.ToolMissing` says how to install it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .._exceptions import EngineError, ToolMissing

MISSING_MESSAGE = (
    "LibreOffice is not installed; install the Debian package libreoffice-writer-nogui "
    "or omit pdf from --format"
)
DEFAULT_TIMEOUT = 180.0  # seconds; a cold first start on a slow machine takes ~20 s


def soffice_path() -> str:
    """The soffice executable on PATH, or ToolMissing."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise ToolMissing(MISSING_MESSAGE)
    return found


def render_pdfs(
    docx_paths: Sequence[Path | str], out_dir: Path | str, *, timeout: float = DEFAULT_TIMEOUT
) -> list[Path]:
    """Convert several DOCX files to PDF in ONE soffice run; return the PDFs in input order.

    Each PDF is ``out_dir/<docx stem>.pdf``. Stems must be distinct (they would overwrite each
    other).
    """
    sources = [Path(p).resolve() for p in docx_paths]
    if not sources:
        return []
    stems = [p.stem for p in sources]
    if len(set(stems)) != len(stems):
        raise ValueError(f"render_pdfs: two inputs share a file name stem: {stems}")
    for src in sources:
        if not src.is_file():
            raise FileNotFoundError(src)
    exe = soffice_path()
    target = Path(out_dir).resolve()
    target.mkdir(parents=True, exist_ok=True)
    expected = [target / f"{stem}.pdf" for stem in stems]
    for stale in expected:  # so an old PDF can never pass for a fresh one
        stale.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="wsr-lo-profile-") as profile:
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(target),
            *(str(s) for s in sources),
        ]
        # soffice is a launcher that starts soffice.bin: run it in its own process group so a
        # timeout kills the whole group, not just the launcher.
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise EngineError(
                f"LibreOffice did not finish converting {len(sources)} file(s) within {timeout:g} s"
            ) from None
    missing = [p for p in expected if not p.is_file() or p.stat().st_size == 0]
    if proc.returncode != 0 or missing:
        detail = (stderr or stdout).strip().splitlines()
        raise EngineError(
            "LibreOffice could not convert "
            + ", ".join(
                str(s)
                for s, e in zip(sources, expected, strict=True)
                if e in missing or proc.returncode
            )
            + (f" (exit {proc.returncode})" if proc.returncode else "")
            + (f": {detail[-1]}" if detail else "")
        )
    return expected


def render_pdf(
    docx_path: Path | str, out_dir: Path | str, *, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Convert one DOCX file to ``out_dir/<stem>.pdf`` and return that path."""
    return render_pdfs([docx_path], out_dir, timeout=timeout)[0]
