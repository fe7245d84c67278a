"""The arbitration bundle's ZIP: the originals and ``manifest.json``, deterministic.

It holds the agreement record exactly as tracked, every exhibit's original bytes, each
notice's text as sent, the chronology as JSON and ``manifest.json`` naming every member with
its SHA-256 and size (and the PDF's, so the two files vouch for each other). Its entries are
dated ``generated_at``, so the same bundle at the same ``--now`` is the same ZIP; withheld
exhibits are named in the manifest by number and SHA-256 only.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC
from typing import Any

from ._bundle import Bundle


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_zip(bundle: Bundle, *, pdf_name: str | None = None, pdf: bytes | None = None) -> bytes:
    """The originals and ``manifest.json`` (deterministic for the same bundle); the manifest
    names the bundle's PDF and its SHA-256 when given it (``wsr bundle`` writes both)."""
    members: list[tuple[str, bytes, dict[str, Any]]] = []
    agr = bundle.agreement
    members.append(
        (f"agreement/{agr.id}.json", agr.record_json.encode("utf-8"), {"role": "agreement record"})
    )
    chronology = [e.to_json() for e in bundle.chronology]
    members.append(
        (
            "chronology.json",
            (json.dumps(chronology, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
            {"role": "chronology"},
        )
    )
    members.extend(
        (
            f"notices/{notice.id}.json",
            notice.document,
            {
                "role": "notice as sent (canonical JSON of to, subject, text, html)",
                "notice_id": notice.id,
                "notice_sha256": notice.sha256,
                "verbatim": notice.verbatim,
            },
        )
        for notice in bundle.notices
    )
    withheld = []
    for ex in bundle.exhibits:
        if ex.content is None:
            withheld.append(
                {
                    "exhibit": ex.number,
                    "sha256": ex.sha256,
                    "size": ex.size,
                    "obligation_id": ex.obligation_id,
                    "reason": ex.withheld,
                }
            )
            continue
        members.append(
            (
                ex.zip_name(),
                ex.content,
                {
                    "role": "exhibit",
                    "exhibit": ex.number,
                    "filename": ex.filename,
                    "obligation_id": ex.obligation_id,
                    "submitted_at": ex.submitted_at.isoformat(),
                },
            )
        )
    manifest = {
        "bundle": bundle.stem,
        "generated_at": bundle.generated_at.isoformat(),
        "prepared_for": bundle.prepared_for,
        "agreement": {
            "id": agr.id,
            "title": agr.title,
            "content_hash": bundle.record.content_hash,
            "signed_on": agr.signed_on.isoformat(),
        },
        "obligation": None if bundle.obligation is None else bundle.obligation.id,
        "pdf": None if pdf is None else {"name": pdf_name, "sha256": _sha(pdf), "size": len(pdf)},
        "files": [
            {"name": name, "sha256": _sha(data), "size": len(data), **extra}
            for name, data, extra in members
        ],
        "withheld": withheld,
    }
    stamp = bundle.generated_at.astimezone(UTC)
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        body = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        for name, data in [("manifest.json", body.encode("utf-8"))] + [
            (n, d) for n, d, _ in members
        ]:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()
