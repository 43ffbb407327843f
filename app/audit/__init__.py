"""The tamper-evident audit log: one SHA-256 hash chain per station, per county and one
for the platform; rows written in the same transaction as the change they describe."""

from app.audit.chain import record, verify
from app.audit.models import AuditChain, AuditEvent

__all__ = ["AuditChain", "AuditEvent", "record", "verify"]
