"""Accept, or reject, every tracked change of a DOCX in LibreOffice itself, save, reopen, PDF.

Run by the SYSTEM Python (``/usr/bin/python3``), which has LibreOffice's UNO bridge (Debian
package python3-uno); the project's virtualenv does not. Usage::

    /usr/bin/python3 lo_accept_reject.py IN.docx OUTDIR

writes OUTDIR/shown.pdf (changes shown, as counsel first sees them), OUTDIR/accepted.docx and
OUTDIR/rejected.docx (saved by LibreOffice after accepting / rejecting all), and
OUTDIR/accepted.pdf and OUTDIR/rejected.pdf (those files reopened and printed). The soffice it
starts runs in its own process group with its own profile and is always ended.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def main(src: Path, out: Path) -> None:
    pipe = f"wsr-lo-{os.getpid()}"
    proc = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation={(out / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        for _ in range(120):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not answer on its UNO pipe")
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        dispatch = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)

        def load(path: Path):  # type: ignore[no-untyped-def]
            url = uno.systemPathToFileUrl(str(path))
            return desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))

        def store(doc, path: Path, filter_name: str) -> None:  # type: ignore[no-untyped-def]
            url = uno.systemPathToFileUrl(str(path))
            doc.storeToURL(url, (_prop("FilterName", filter_name),))

        doc = load(src)
        store(doc, out / "shown.pdf", "writer_pdf_Export")
        doc.close(True)
        for view, command in (
            ("accepted", ".uno:AcceptAllTrackedChanges"),
            ("rejected", ".uno:RejectAllTrackedChanges"),
        ):
            doc = load(src)
            dispatch.executeDispatch(doc.getCurrentController().getFrame(), command, "", 0, ())
            store(doc, out / f"{view}.docx", "MS Word 2007 XML")
            doc.close(True)
            doc = load(out / f"{view}.docx")
            store(doc, out / f"{view}.pdf", "writer_pdf_Export")
            doc.close(True)
        try:
            desktop.terminate()
        except Exception:  # the bridge drops as soffice exits
            pass
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())
