"""The tamper-evident audit log: one keyed hash chain per station, per county and one
for the platform; rows written in the same transaction as the change they describe, and
the chains' heads published, signed, outside the database."""

from app.audit.chain import record, verify
from app.audit.models import AuditChain, AuditEvent

__all__ = ["AuditChain", "AuditEvent", "record", "verify"]
