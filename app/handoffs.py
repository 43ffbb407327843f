"""Handoffs between modules: "open this concern as a mediation case".

The source module never imports the target: it asks the host which targets this station
has on (:func:`app.plugin_api.handoff_targets`), hands over a :class:`Handoff`, and the
link between the two objects is kept here, so each side can show where an item went or
came from. A link to a module that is switched off or gone shows as text, not a 500.

An item is handed to the same target once: the database refuses a second link (a second
tap, a stale page in another tab, two taps at once), and the caller is shown the first.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import g
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app import audit
from app.extensions import db
from app.plugin_contract import Handoff
from app.plugin_host import host
from tenants.models import utcnow
from tenants.scoping import TenantScoped


class ModuleHandoff(TenantScoped, db.Model):
    __tablename__ = "module_handoff"
    __label__ = _l("Handoff between modules")
    __labels__ = {"target_key": _l("Handed to"), "source_plugin": _l("From module"),
                  "source_type": _l("From kind"), "source_id": _l("From number"),
                  "source_label": _l("Source item"), "target_plugin": _l("To module"),
                  "target_type": _l("To kind"), "target_id": _l("To number"),
                  "target_label": _l("Target item")}
    __audit_words__ = {"source_plugin": "module", "target_plugin": "module",
                       "target_key": "handoff_target"}
    # The kinds of the two items are the modules' own codes (their labels say what they are).
    __audit_ignore__ = ("source_type", "target_type")
    __tenant_table_args__ = (
        Index("ix_module_handoff_source", "tenant_id", "source_plugin", "source_type",
              "source_id"),
        Index("ix_module_handoff_target", "tenant_id", "target_plugin", "target_type",
              "target_id"),
        UniqueConstraint("tenant_id", "source_plugin", "source_type", "source_id",
                         "target_key", name="uq_module_handoff_once"),
    )

    target_key: Mapped[str] = mapped_column(String(64))
    source_plugin: Mapped[str] = mapped_column(String(32))
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int]
    source_label: Mapped[str] = mapped_column(String(200))
    target_plugin: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int]
    target_label: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Link:
    module: str  # the other side's module name, in the user's language
    label: str
    url: str | None
    at: datetime
    target_key: str  # the handoff target, e.g. mediation.case


class AlreadyHandedOff(LookupError):
    """The item went to this target before; ``link`` is where it went."""

    def __init__(self, link: Link):
        super().__init__(link.label)
        self.link = link


def hand_off(target_key: str, handoff: Handoff) -> ModuleHandoff:
    targets = {t.key: t for t in host().handoff_targets(handoff.source_plugin)}
    target = targets.get(target_key)  # only modules on here, targets the user may use
    if target is None:
        raise LookupError(target_key)
    source = (handoff.source_plugin, handoff.object_type, handoff.object_id)
    _refuse_twice(source, target_key)
    receipt = target.receive(handoff)
    row = ModuleHandoff(
        tenant_id=g.station.id, target_key=target_key,
        source_plugin=handoff.source_plugin, source_type=handoff.object_type,
        source_id=handoff.object_id, source_label=handoff.title[:200],
        target_plugin=target_key.split(".", 1)[0], target_type=receipt.object_type,
        target_id=receipt.object_id, target_label=receipt.label[:200],
        created_by=current_user.id if current_user.is_authenticated else None,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # Another tap handed it over in the same moment and committed first: undo what
        # the target made of this one (the whole transaction) and show the first.
        db.session.rollback()
        _refuse_twice(source, target_key)
        raise
    if handoff.people:
        # Personal data moves to another module of the same station, unseen by the user,
        # to be masked there too; the record says which kinds of it moved, not the values.
        audit.record(
            "module.handoff", station_id=g.station.id, object_type="module_handoff",
            object_id=row.id, changes={
                "target": target_key,
                "personal_data": sorted({k for p in handoff.people for k, v in p.items() if v}),
            },
        )
    return row


def _refuse_twice(source, target_key: str) -> None:
    earlier = [link for link in links(source=source) if link.target_key == target_key]
    if earlier:
        raise AlreadyHandedOff(earlier[0])


def links(source=None, target=None) -> list[Link]:
    query = select(ModuleHandoff).order_by(ModuleHandoff.created_at, ModuleHandoff.id)
    if source:
        plugin, kind, oid = source
        query = query.where(ModuleHandoff.source_plugin == plugin,
                            ModuleHandoff.source_type == kind, ModuleHandoff.source_id == oid)
    if target:
        plugin, kind, oid = target
        query = query.where(ModuleHandoff.target_plugin == plugin,
                            ModuleHandoff.target_type == kind, ModuleHandoff.target_id == oid)
    out = []
    for row in db.session.scalars(query):
        if source:
            other, kind, oid, label = (row.target_plugin, row.target_type, row.target_id,
                                       row.target_label)
        else:
            other, kind, oid, label = (row.source_plugin, row.source_type, row.source_id,
                                       row.source_label)
        out.append(Link(_module_name(other), label, _url(other, kind, oid), row.created_at,
                        row.target_key))
    return out


def _module_name(key: str) -> str:
    plugin = host().plugins.get(key)
    return plugin.name if plugin else key


def _url(key: str, kind: str, oid: int) -> str | None:
    plugin = host().plugins.get(key)
    if plugin is None or plugin.object_url is None or not host().is_enabled(key):
        return None
    return plugin.object_url(kind, oid)
