"""The chains' heads, published outside the database, as CloudTrail publishes signed
digest files: a document of every chain's last sequence number and hash, signed with the
audit key. ``fengqiao audit verify --heads`` then checks that each chain still holds the
published row: a tail cut off and its head moved back, or a chain dropped whole, fails,
even when the rows left verify among themselves.

A recurring job writes the document to ``FENGQIAO_AUDIT_HEADS_DIR`` (a mounted volume or
bucket) and logs it as one line, for the log pipeline to ship off the pod; the county's
page of its own heads can be printed and kept on paper.
"""

import hashlib
import hmac
import json
import logging
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import Connection, select, text

from app.audit.chain import chain_key, signing_key
from app.audit.models import AuditChain
from tenants.models import utcnow

log = logging.getLogger("fengqiao.audit")

FORMAT = "fengqiao-audit-heads/1"


class BadHeads(ValueError):
    """A heads document that is not one, or whose signature does not hold."""


def current(connection: Connection) -> dict[str, tuple[int, str]]:
    """Every chain's head as the database has it now."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(text("SELECT key, seq, head_hash FROM fengqiao_audit_heads()"))
    else:
        rows = connection.execute(select(AuditChain.key, AuditChain.seq, AuditChain.head_hash))
    return {key: (seq, head) for key, seq, head in rows}


def of_county(heads: dict[str, tuple[int, str]], county_id: int, station_ids) -> dict:
    """The heads of one county's own chain and its stations' chains."""
    wanted = {chain_key(None, county_id)} | {chain_key(s, None) for s in station_ids}
    return {k: v for k, v in heads.items() if k in wanted}


def document(heads: dict[str, tuple[int, str]], published_at: datetime | None = None) -> dict:
    """The signed document of ``heads``."""
    key_id, secret = signing_key()
    doc = {
        "format": FORMAT,
        "published_at": (published_at or utcnow()).isoformat(timespec="seconds") + "Z",
        "key_id": key_id,
        "chains": {k: {"seq": seq, "hash": h} for k, (seq, h) in sorted(heads.items())},
    }
    doc["signature"] = _signature(doc, secret)
    return doc


def _signature(doc: dict, secret: bytes) -> str:
    body = {k: v for k, v in doc.items() if k != "signature"}
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def read(doc: dict) -> dict[str, tuple[int, str]]:
    """The heads of a published document, once its signature is checked."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT \
            or not isinstance(doc.get("chains"), dict):
        raise BadHeads("not a heads document of Fengqiao")
    secret = current_app.config["AUDIT_KEYS"].get(doc.get("key_id"))
    if secret is None:
        raise BadHeads(f"signed with key {doc.get('key_id')!r}, which is not configured")
    if not hmac.compare_digest(_signature(doc, secret), str(doc.get("signature", ""))):
        raise BadHeads("its signature does not hold: the document was altered")
    try:
        return {k: (int(v["seq"]), str(v["hash"])) for k, v in doc["chains"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise BadHeads("a chain's entry is malformed") from exc


def load(path: Path) -> dict[str, tuple[int, str]]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadHeads(f"cannot read {path}: {exc}") from exc
    return read(doc)


def latest(folder: Path | None = None) -> Path | None:
    """The newest document published in ``folder`` (the configured one)."""
    folder = Path(folder or current_app.config["AUDIT_HEADS_DIR"])
    found = sorted(folder.glob("heads-*.json")) if folder.is_dir() else []
    return found[-1] if found else None


def publish() -> Path:
    """A job: sign every chain's head now, write it to the heads folder and log it."""
    from app.extensions import db

    doc = document(current(db.session.connection()))
    folder = Path(current_app.config["AUDIT_HEADS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = doc["published_at"].replace("-", "").replace(":", "")
    path = folder / f"heads-{stamp}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    # One line, the document whole: the log pipeline keeps a copy off the pod.
    log.info("audit heads published %s", json.dumps(doc, separators=(",", ":")))
    return path
