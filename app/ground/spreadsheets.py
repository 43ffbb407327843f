"""The station's ground as spreadsheets: its villages and its community forces exported as
XLSX, and the same columns imported back, all rows or none.

Stations keep these lists in Excel or WPS, with headers in Chinese (or English), title rows
above them and columns in their own order. An upload is read into rows of text, each row
checked by the resource's schema and against the station's ground, and shown as a preview
naming every problem by row and column. The preview carries the rows it read, signed for
this station and this list, with a digest of what it showed; "Apply" makes the plan again
against the ground as it is then and writes it only if it is still the one shown: one
problem, or anything changed meanwhile, and nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from flask import current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, gettext, lazy_pgettext, pgettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from marshmallow import ValidationError as MarshmallowError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.access import require
from app.clock import local_today
from app.exports import append_safe_row
from app.extensions import db
from app.forms import Text, ValidationError
from app.ground.blueprint import bp
from app.ground.models import (
    COMMUNITY,
    FORCE_KINDS,
    VILLAGE,
    VILLAGE_KINDS,
    Force,
    Village,
    VillageName,
)
from app.ground.registry import forces, grids, villages
from app.ground.schemas import ForceForm, VillageForm
from app.permissions import STATION_GROUND, STATION_PII, STATION_VIEW
from app.pii import mask
from app.reveal import reveal

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 60  # more is not a list someone keeps by hand
HEADER_SEARCH = 10  # title rows a sheet may have above its header
# Rows read under the header, empty ones included: a small file can hold a million empty
# formatted rows, and reading them would tie a worker up for a minute.
MAX_SHEET_ROWS = 5 * MAX_ROWS
POST_LIMIT = MAX_BYTES + MAX_BYTES // 2
PREVIEW_HOURS = 1
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"

# Written as the user's language says it; read back in either language, or as the key.
YES_NO = {True: _l("Yes"), False: _l("No")}


def _norm(text) -> str:
    """A header or a word as compared: full-width folded, case and spaces ignored, a
    required-field star dropped."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch != "*")


def _in_every_language(text) -> set[str]:
    words = set()
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            words.add(_norm(str(text)))
    return words


def _word_map(words: dict, aliases: dict) -> dict[str, object]:
    out = {_norm(alias): key for key, group in aliases.items() for alias in group}
    for key, label in words.items():
        out.update(dict.fromkeys(_in_every_language(label), key))
        if isinstance(key, str):
            out[_norm(key)] = key
    return out


class Word(Text):
    """One of ``words`` ({key: lazy label}) by its word in either language, an alias or its
    key; loaded as the key."""

    def __init__(self, words: dict, aliases: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.words, self.aliases = words, aliases or {}
        self._map = None  # built on first use (a schema reads many rows), in the app's context

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) and True in self.words:
            return value  # YAML's yes/no
        text = super()._deserialize(value, attr, data, **kwargs)
        if self._map is None:
            self._map = _word_map(self.words, self.aliases)
        key = self._map.get(_norm(text))
        if key is None:
            raise ValidationError(gettext(
                "Please write one of: %(words)s.", words=pgettext("list separator", ", ").join(
                    str(word) for word in self.words.values())))
        return key


class VillageRow(VillageForm):
    """The ground page's village form, for a village as a list gives it (a spreadsheet
    row, the county manifest): its kind and "in use" as words. Only what the row gives is
    written; the form's defaults are a new village's."""

    kind = Word(VILLAGE_KINDS, aliases={VILLAGE: ("村", "行政村"), COMMUNITY: ("居委会",)},
                load_default=VILLAGE, allow_none=False)
    active = Word(YES_NO, aliases={True: ("y", "true", "1", "在用", "启用"),
                                   False: ("n", "false", "0", "停用", "不再使用")},
                  load_default=True, allow_none=False)


class ForceRow(ForceForm):
    """The ground page's community force form, for a spreadsheet row: kind and "active"
    as words. Its village and grid come by name, checked by :func:`plan_forces` by the
    same rules (the station's, in use or the force's own, the grid in that village)."""

    class Meta(ForceForm.Meta):
        exclude = ("village_id", "grid_id", "user_id")

    kind = Word(FORCE_KINDS, aliases={"volunteer": ("志愿者",)}, allow_none=False)
    active = Word(YES_NO, aliases={True: ("y", "true", "1", "在岗"),
                                   False: ("n", "false", "0", "离开", "已离开", "left")},
                  load_default=True, allow_none=False)


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string: the header, in the user's language
    aliases: tuple[str, ...] = ()
    required: bool = False


VILLAGE_COLUMNS = (
    Column("name", lazy_pgettext("ground", "Name"), ("名称", "村名", "村(社区)", "村(社区)名称",
                                                     "村居", "name"), required=True),
    Column("kind", _l("Kind"), ("类型", "kind")),
    Column("zone", _l("Police office or zone"), ("警务室", "片区", "zone")),
    Column("households", _l("Households"), ("总户数",)),
    Column("registered_population", _l("Registered population")),
    Column("resident_population", _l("Resident population")),
    Column("note", _l("Note"), ("备注", "说明")),
    Column("active", _l("In use"), ("active",)),
)
FORCE_COLUMNS = (
    Column("name", _l("Name"), ("姓名", "名字", "name"), required=True),
    Column("kind", _l("Kind"), ("类型", "身份", "kind"), required=True),
    # The key of a person with a name: without it every row would be somebody new. Headed
    # as the force form labels it; older files' "电话" still reads.
    Column("phone", _l("Mobile phone"), ("手机", "手机号", "手机号码", "电话", "联系电话",
                                         "phone"), required=True),
    Column("village", _l("Village"), ("村", "社区", "所在村", "village")),
    Column("grid", _l("Grid"), ("网格", "所在网格", "grid")),
    Column("team", _l("Team or organisation"), ("队伍", "组织", "所属队伍", "team")),
    Column("note", _l("Note"), ("备注", "说明")),
    Column("active", lazy_pgettext("force", "Active"), ("在岗", "active")),
)
LISTS = {"villages": VILLAGE_COLUMNS, "forces": FORCE_COLUMNS}
TITLES = {"villages": _l("Villages and communities"), "forces": _l("Community forces")}
LIST_PAGES = {"villages": "ground.index", "forces": "ground.forces"}


# -- export ---------------------------------------------------------------------------------

def _word(words: dict, key) -> str:
    return str(words.get(key, key)) if key is not None else None


def _workbook(title: str, columns, rows) -> BytesIO:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's limit for a sheet's name
    append_safe_row(sheet, [str(c.label) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_safe_row(sheet, row)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns):
        width = 30 if column.key == "note" else 14
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _download(buffer: BytesIO, what: str):
    return send_file(buffer, as_attachment=True, mimetype=XLSX,
                     download_name=f"{what}-{g.station.slug}-{local_today():%Y%m%d}.xlsx")


def village_rows() -> list[list]:
    return [[v.name, _word(VILLAGE_KINDS, v.kind), v.zone, v.households,
             v.registered_population, v.resident_population, v.note, str(YES_NO[v.active])]
            for v in villages(active=None)]


def force_rows() -> list[list]:
    names = {v.id: v.name for v in villages(active=None)}
    grid_names = {grid.id: grid.name for grid in grids(active=None)}
    rows = sorted(forces(active=None), key=lambda f: (not f.active, f.name, f.id))
    return [[f.name, _word(FORCE_KINDS, f.kind), f.phone, names.get(f.village_id),
             grid_names.get(f.grid_id), f.team, f.note, str(YES_NO[f.active])] for f in rows]


@bp.get("/villages.xlsx")
@require(STATION_VIEW)
def export_villages():
    return _download(_workbook(str(TITLES["villages"]), VILLAGE_COLUMNS, village_rows()),
                     "villages")


@bp.get("/forces.xlsx")
@require(STATION_PII)
def export_forces():
    """The forces with their phones, unmasked: a file to keep the list in, so a reveal of
    every phone in it (audited, like printing)."""
    rows = force_rows()
    reveal("ground_force", None, ["phone"], **{"for": "export", "rows": len(rows)})
    db.session.commit()
    return _download(_workbook(str(TITLES["forces"]), FORCE_COLUMNS, rows), "forces")


# -- reading a file -------------------------------------------------------------------------

def _text(value) -> str:
    """A cell as the text someone typed (a number Excel stored as 1530.0 is "1530")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _header_map(columns) -> dict[str, str]:
    out = {}
    for column in columns:
        for word in (*column.aliases, column.key):
            out[_norm(word)] = column.key
        out.update(dict.fromkeys(_in_every_language(column.label), column.key))
    return out


def read_rows(data: bytes, columns) -> tuple[list[list], list[str]]:
    """``[[row number, {column key: text}], ...]`` of the file's data rows (blank ones
    skipped), or the file's problems (not an XLSX, no header, a missing column)."""
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet instead of building it: a file stays small in memory.
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises a dozen kinds for a file not its own
        return [], [gettext("This is not an XLSX file (Excel 2007 or later). In Excel or WPS, "
                            "save it as .xlsx and upload it again.")]
    try:
        return _read_book(book, columns)
    except Exception:  # noqa: BLE001 - a damaged file breaks midway
        return [], [gettext("This file is damaged and cannot be read. Save it again as "
                            ".xlsx and upload it again.")]
    finally:
        book.close()


def _read_book(book, columns) -> tuple[list[list], list[str]]:
    known = _header_map(columns)
    name = next(str(c.label) for c in columns if c.key == "name")
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        for number, cells in enumerate(rows, start=1):
            if number > HEADER_SEARCH:
                break
            keys = [known.get(_norm(_text(c))) for c in (cells or ())[:MAX_COLUMNS]]
            if "name" in keys:
                return _read_data(rows, number, keys, columns)
    return [], [gettext("No header row found: the first %(rows)d rows of the file need one "
                        "with a column \"%(name)s\".", rows=HEADER_SEARCH, name=name)]


def _read_data(rows, header_number: int, keys: list, columns) -> tuple[list[list], list[str]]:
    problems = []
    labels = {c.key: str(c.label) for c in columns}
    for key in dict.fromkeys(k for k in keys if k):
        if keys.count(key) > 1:
            problems.append(gettext("The column \"%(column)s\" appears twice.",
                                    column=labels[key]))
    for column in columns:
        if column.required and column.key not in keys:
            problems.append(gettext("The column \"%(column)s\" is missing.",
                                    column=labels[column.key]))
    if problems:
        return [], problems
    out = []
    for number, cells in enumerate(rows, start=header_number + 1):
        if number - header_number > MAX_SHEET_ROWS:  # every row counts, the empty ones too
            return [], [gettext(
                "The sheet goes on for more than %(rows)d rows under its header, empty ones "
                "included: delete the empty rows under the list (or copy the list into a new "
                "file) and upload it again.", rows=MAX_SHEET_ROWS)]
        cells = (cells or ())[:MAX_COLUMNS]
        row = {key: _text(cells[i]) if i < len(cells) else "" for i, key in enumerate(keys)
               if key}
        if not any(row.values()):
            continue
        if len(out) == MAX_ROWS:
            return [], [gettext("The file has more than %(rows)d rows; split it into smaller "
                                "files.", rows=MAX_ROWS)]
        out.append([number, row])
    if not out:
        return [], [gettext("The file has a header but no rows under it.")]
    return out, []


# -- checking rows against the ground -------------------------------------------------------

@dataclass
class Line:
    """One row of the file and what applying it will do."""

    number: int
    cells: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)  # column key -> message
    action: str | None = None
    target: object = None
    values: dict = field(default_factory=dict)  # attributes to write
    before: dict[str, str] = field(default_factory=dict)  # column key -> the value it had


@dataclass
class Plan:
    what: str
    lines: list[Line] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # of the file as a whole

    @property
    def columns(self):
        present = set().union(*(line.cells for line in self.lines)) if self.lines else set()
        return [c for c in LISTS[self.what] if c.key in present]

    @property
    def messages(self) -> list[str]:
        labels = {c.key: str(c.label) for c in LISTS[self.what]}
        return self.problems + [
            gettext("Row %(row)d, %(column)s: %(message)s", row=line.number,
                    column=labels.get(key, key), message=message)
            for line in self.lines for key, message in line.problems.items()]

    @property
    def ok(self) -> bool:
        return not self.problems and not any(line.problems for line in self.lines)

    def count(self, action: str) -> int:
        return sum(line.action == action for line in self.lines)

    @property
    def changes(self) -> int:
        return self.count(NEW) + self.count(UPDATE)

    @property
    def digest(self) -> str:
        """What applying the plan does, line by line (action, target, each value before and
        after), hashed: signed into the preview, so that "Apply" writes only what was shown."""
        lines = [[line.number, line.action, getattr(line.target, "id", None),
                  [[attr, getattr(line.target, attr, None), value]
                   for attr, value in sorted(line.values.items())]]
                 for line in self.lines]
        text = json.dumps(lines, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _loaded(schema, line: Line) -> dict:
    """The row's non-blank cells through ``schema``; its problems onto the line."""
    given = {key: text for key, text in line.cells.items() if text != ""}
    try:
        return schema.load(given)
    except MarshmallowError as err:
        for key, messages in err.messages.items():
            line.problems[key] = str(messages[0] if isinstance(messages, list) else messages)
        return err.valid_data or {}


def _wanted(data: dict, line: Line, nullable, keep_when_blank) -> dict:
    """Attribute values the row asks for: a blank cell empties an optional value; a blank
    kind or status keeps what is there (they cannot be empty); a column the file does not
    have is left alone."""
    out = {key: data.get(key) for key in nullable if key in line.cells}
    out.update({key: data[key] for key in keep_when_blank if line.cells.get(key) and key in data})
    return out


def _duplicate(seen: dict, key, line: Line, column: str) -> bool:
    if key in seen:
        line.problems.setdefault(column, gettext("The same as row %(row)d.", row=seen[key]))
        return True
    seen[key] = line.number
    return False


def _settle(line: Line, new: dict, shown) -> None:
    """The line's action: new, or the differences with its target."""
    if line.problems:
        return
    if line.target is None:
        line.action, line.values = NEW, new
        return
    line.values = {attr: value for attr, value in new.items()
                   if getattr(line.target, attr) != value}
    line.before = {column: shown(attr, getattr(line.target, attr))
                   for attr, column in ((a, _column_of(a)) for a in line.values)}
    line.action = UPDATE if line.values else UNCHANGED


def _column_of(attr: str) -> str:
    return attr.removesuffix("_id")


def renamed_villages(by_name: dict[str, Village]) -> dict[str, str]:
    """{former name: the name now} of the station's renamed villages: an old list names
    them the old way, and that is no new village."""
    now = {v.id: v.name for v in by_name.values()}
    rows = db.session.execute(select(VillageName.name, VillageName.village_id)
                              .order_by(VillageName.until)).all()
    return {name: now[village_id] for name, village_id in rows
            if name not in by_name and village_id in now}


def plan_villages(rows) -> Plan:
    plan = Plan("villages")
    existing = {v.name: v for v in villages(active=None)}
    renamed = renamed_villages(existing)
    seen: dict[str, int] = {}
    schema = VillageRow()
    for number, cells in rows:
        line = Line(number, cells)
        plan.lines.append(line)
        data = _loaded(schema, line)
        if "name" not in data or _duplicate(seen, data["name"], line, "name"):
            continue
        if data["name"] in renamed:
            line.problems["name"] = gettext("This village is now called %(name)s: write that "
                                            "name.", name=renamed[data["name"]])
            continue
        line.target = existing.get(data["name"])
        wanted = _wanted(data, line, ("zone", "households", "registered_population",
                                      "resident_population", "note"), ("kind", "active"))
        _settle(line, {"name": data["name"], "kind": VILLAGE, "active": True} | wanted
                if line.target is None else wanted, _shown_village)
    return plan


def _shown_village(attr: str, value) -> str:
    if attr == "kind":
        return _word(VILLAGE_KINDS, value)
    if attr == "active":
        return str(YES_NO[value])
    return "" if value is None else str(value)


def plan_forces(rows) -> Plan:
    plan = Plan("forces")
    by_name = {v.name: v for v in villages(active=None)}
    renamed = renamed_villages(by_name)
    grid_of = {(grid.village_id, grid.name): grid for grid in grids(active=None)}
    existing: dict[tuple, Force] = {}
    for force in forces(active=None):  # by name then id: the first of namesakes is kept
        existing.setdefault((force.name, force.phone), force)
    seen: dict[tuple, int] = {}
    schema = ForceRow()
    for number, cells in rows:
        line = Line(number, cells)
        plan.lines.append(line)
        data = _loaded(schema, line)
        if "name" not in data or "phone" in line.problems:
            # Not matched to anybody, but its village and grid named with its other problems.
            _places(line, by_name, grid_of, renamed)
            continue
        key = (data["name"], data.get("phone"))
        if _duplicate(seen, key, line, "name"):
            continue
        line.target = existing.get(key)
        wanted = _wanted(data, line, ("team", "note"), ("kind", "active"))
        wanted.update(_places(line, by_name, grid_of, renamed))
        if line.target is None:
            if not line.cells.get("kind"):
                line.problems.setdefault("kind", gettext("This field is required."))
            wanted = {"name": data["name"], "phone": data.get("phone"), "active": True} | wanted
        _settle(line, wanted, _shown_force(by_name, grid_of))
    return plan


def _places(line: Line, by_name: dict, grid_of: dict, renamed: dict) -> dict:
    """``village_id`` and ``grid_id`` of the names in the row: a village of the station,
    a grid of that village, in use (or the force's own already)."""
    target, out = line.target, {}
    village_id = target.village_id if target is not None else None
    if "village" in line.cells:
        name = line.cells["village"]
        village = by_name.get(name) if name else None
        if name and village is None:
            line.problems.setdefault("village", gettext(
                "This village is now called %(name)s: write that name.",
                name=renamed[name]) if name in renamed else gettext(
                "The station has no village of this name."))
            return {}
        if village is not None and not village.active and village.id != village_id:
            line.problems.setdefault("village", gettext("This village is no longer in use."))
            return {}
        village_id = out["village_id"] = village.id if village else None
    if "grid" not in line.cells:
        kept = next((grid for grid in grid_of.values()
                     if target is not None and grid.id == target.grid_id), None)
        if kept is not None and kept.village_id != village_id:
            out["grid_id"] = None  # moved to another village, so out of this one's grid
        return out
    name = line.cells["grid"]
    if not name:
        out["grid_id"] = None
        return out
    if village_id is None:
        line.problems.setdefault("grid", gettext("Name the village this grid is in."))
        return {}
    grid = grid_of.get((village_id, name))
    if grid is None:
        line.problems.setdefault("grid", gettext("This village has no grid of this name."))
        return {}
    if not grid.active and (target is None or grid.id != target.grid_id):
        line.problems.setdefault("grid", gettext("This grid is no longer in use."))
        return {}
    out["grid_id"] = grid.id
    return out


def _shown_force(by_name: dict, grid_of: dict):
    village_names = {v.id: name for name, v in by_name.items()}
    grid_names = {grid.id: grid.name for grid in grid_of.values()}

    def shown(attr: str, value) -> str:
        if value is None:
            return ""
        if attr == "kind":
            return _word(FORCE_KINDS, value)
        if attr == "active":
            return str(YES_NO[value])
        if attr == "village_id":
            return village_names.get(value, "")
        if attr == "grid_id":
            return grid_names.get(value, "")
        if attr == "phone":
            return mask("phone", value)  # stored personal data stays masked on screen
        return str(value)

    return shown


PLANS = {"villages": plan_villages, "forces": plan_forces}


def apply_plan(plan: Plan) -> None:
    """Write every line of a plan without problems (the caller commits: one transaction)."""
    model = Village if plan.what == "villages" else Force
    position = None
    for line in plan.lines:
        if line.action == NEW:
            values = dict(line.values)
            if model is Village:  # after the station's own order, in the file's
                if position is None:
                    position = max((v.position for v in villages(active=None)), default=-1)
                position += 1
                values["position"] = position
            db.session.add(model(**values))
        elif line.action == UPDATE:
            for attr, value in line.values.items():
                setattr(line.target, attr, value)


# -- the pages -------------------------------------------------------------------------------

def _signer(what: str) -> URLSafeTimedSerializer:
    # Bound to this station and this list: a preview cannot be applied anywhere else.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"fengqiao.ground.import.{what}.{g.station.id}")


def _page(what: str, plan: Plan | None = None, payload: str | None = None,
          problems: list[str] | None = None, status: int = 200, notice: str | None = None):
    return render_template(
        "ground/import.html", what=what, title=TITLES[what], columns=LISTS[what], plan=plan,
        payload=payload, problems=problems or [], notice=notice, max_rows=MAX_ROWS,
        max_megabytes=MAX_BYTES // (1024 * 1024),
        export_endpoint=f"ground.export_{what}", import_endpoint=f"ground.import_{what}",
    ), status


def _preview(what: str, rows: list, problems: list[str] | None = None,
             notice: str | None = None, plan: Plan | None = None, status: int | None = None):
    plan = plan or PLANS[what](rows)
    payload = _signer(what).dumps({"rows": rows, "plan": plan.digest})
    if status is None:
        status = 200 if plan.ok and not problems else 400
    return _page(what, plan, payload, problems, status, notice)


def _upload(what: str):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(what, problems=[gettext("Choose an XLSX file to upload.")], status=400)
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _page(what, problems=[gettext("The file is larger than %(size)d MB.",
                                             size=MAX_BYTES // (1024 * 1024))], status=400)
    rows, problems = read_rows(data, LISTS[what])
    if problems:
        return _page(what, problems=problems, status=400)
    return _preview(what, rows)


def _apply(what: str):
    try:
        signed = _signer(what).loads(request.form.get("payload", ""),
                                     max_age=PREVIEW_HOURS * 3600)
        rows, shown = signed["rows"], signed.get("plan")
    except SignatureExpired:
        return _page(what, problems=[gettext(
            "This preview is more than an hour old. Upload the file again.")], status=400)
    except (BadSignature, KeyError, TypeError):
        return _page(what, problems=[gettext(
            "This preview was not made for this list of this station. Upload the file "
            "again.")], status=400)
    plan = PLANS[what](rows)  # the ground may have changed since the preview
    if not plan.ok:
        return _preview(what, rows, [gettext(
            "Nothing was changed. Correct the rows named below (the station's list may have "
            "changed since the preview) and upload the file again.")])
    if plan.digest != shown:  # edited meanwhile, or this preview applied already
        if not plan.changes:
            flash(gettext("Everything in the file is in the list already: there is nothing "
                          "more to import."), "info")
            return redirect(url_for(LIST_PAGES[what]))
        return _preview(what, rows, plan=plan, status=409, notice=gettext(
            "The list has changed since the preview. Check the new preview, then apply it."))
    apply_plan(plan)
    try:
        db.session.commit()
    except IntegrityError:  # someone added the same name meanwhile: checked again, shown
        db.session.rollback()
        return _preview(what, rows, [gettext(
            "Nothing was changed. Correct the rows named below (the station's list may have "
            "changed since the preview) and upload the file again.")])
    added, updated = plan.count(NEW), plan.count(UPDATE)
    if added or updated:
        flash(gettext("Added: %(added)d. Updated: %(updated)d.", added=added, updated=updated),
              "success")
    else:
        flash(gettext("Nothing to change: the station's list already matches the file."),
              "info")
    return redirect(url_for(LIST_PAGES[what]))  # the list, as it now stands


def _import(what: str):
    if request.method == "GET":
        return _page(what)
    # The file, or the signed rows of its preview (larger than a form field usually is).
    request.max_content_length = request.max_form_memory_size = POST_LIMIT
    if request.content_length and request.content_length > POST_LIMIT:
        return _page(what, problems=[gettext("The file is larger than %(size)d MB.",
                                             size=MAX_BYTES // (1024 * 1024))], status=400)
    if "payload" in request.form:
        return _apply(what)
    return _upload(what)


@bp.route("/import/villages", methods=["GET", "POST"])
@require(STATION_GROUND)
def import_villages():
    return _import("villages")


@bp.route("/import/forces", methods=["GET", "POST"])
@require(STATION_GROUND)
def import_forces():
    return _import("forces")
