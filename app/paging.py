"""Lists a page at a time: every list shows its total and pages through the rest, the
filters kept in the URL, so no row is ever dropped without a word.

A list too long to count on every view (the audit log: a county's is millions of rows)
goes by :func:`window` instead: the rows before or after one it showed, read from an index
in one short query whatever the list's length, and whether there are more either way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app, request, url_for
from sqlalchemy import Select, func, select, tuple_

from app.extensions import db

MAX_PAGE = 100_000
PAGE_RE = re.compile(r"[0-9]{1,9}")
CURSOR_RE = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds
CURSOR_ARGS = ("before", "after")


class _Rows:
    """A page's rows as a sequence: iterated, counted, true when there is any."""

    items: list

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def _list_path(endpoint: str | None, values: dict) -> str:
    """The list's own path: ``endpoint`` with ``values``, or this request's."""
    if endpoint:
        return url_for(endpoint, **values)
    return url_for(request.endpoint, **(request.view_args or {}))


@dataclass(frozen=True)
class Page(_Rows):
    items: list
    total: int
    number: int  # 1-based
    size: int
    arg: str = "page"  # the query argument that names the page
    endpoint: str | None = None  # the GET page the links go to (None: this request's)
    values: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.number * self.size)

    def meta(self) -> dict:
        """Where this page is, for a JSON answer: ``total``, ``page``, ``pages``."""
        return {"total": self.total, "page": self.number, "pages": self.pages}

    def url(self, number: int) -> str:
        """The list's URL with its filters, at page ``number``.

        The query string is carried as text, never as ``url_for`` arguments: a visitor's
        ``?station_slug=`` or ``?_external=`` must not reach the path or the host."""
        args = [(k, v) for k, v in request.args.items(multi=True) if k != self.arg]
        args.append((self.arg, str(number)))
        path = _list_path(self.endpoint, self.values)
        return f"{path}?{urlencode(args)}"


def page_number(arg: str = "page") -> int:
    """The page a URL asks for: a whole number from 1 (ASCII digits: ² and ① are digits to
    Python but not numbers to int()), anything else is the first."""
    text = request.args.get(arg, "")
    if not PAGE_RE.fullmatch(text):
        return 1
    return max(1, min(int(text), MAX_PAGE))


def paginate(query: Select, size: int | None = None, rows: bool = False, *,
             arg: str = "page", endpoint: str | None = None, **values) -> Page:
    """One page of ``query`` (ordered by the caller) and the total it has: ORM objects,
    or row tuples with ``rows=True``. A page past the end shows the last one.

    Two lists on one page each take their own ``arg`` (``?page=`` and ``?matches=``). A
    list drawn in answer to a POST (a refused form, a reveal) names the GET page its links
    go to with ``endpoint`` and that page's ``values``.
    """
    size = size or current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery()))
    pages = max(1, -(-total // size))
    number = min(page_number(arg), pages)
    sliced = query.limit(size).offset((number - 1) * size)
    items = (db.session.execute(sliced).all() if rows
             else db.session.scalars(sliced).all())
    return Page(items=list(items), total=total, number=number, size=size, arg=arg,
                endpoint=endpoint, values=values)


@dataclass(frozen=True)
class Window(_Rows):
    """One page of a list read by its position (keyset paging): the ``size`` rows after
    the one named by ``?before=<id>`` (older, in a newest-first list) or before the one
    named by ``?after=<id>``, the newest with neither. No total: counting every row of a
    long list on each view is what this avoids. A row added meanwhile never pushes another
    onto the next page."""

    items: list
    size: int
    newer: bool  # rows come before the first one shown
    older: bool  # rows come after the last one shown
    ident: str = "id"  # the attribute of an item its links name
    endpoint: str | None = None
    values: dict = field(default_factory=dict)

    def url(self, **cursor) -> str:
        """The list's URL with its filters, at ``before=`` or ``after=`` a row (neither:
        the first page). As :meth:`Page.url`, the query string stays text."""
        args = [(k, v) for k, v in request.args.items(multi=True)
                if k not in (*CURSOR_ARGS, "page")]
        args += [(k, str(v)) for k, v in cursor.items()]
        path = _list_path(self.endpoint, self.values)
        return f"{path}?{urlencode(args)}" if args else path

    def newer_url(self) -> str:
        return self.url(after=getattr(self.items[0], self.ident)) if self.items else self.url()

    def older_url(self) -> str:
        return self.url(before=getattr(self.items[-1], self.ident))


def cursor(arg: str) -> int | None:
    """The row a ``?before=`` or ``?after=`` names: an id in ASCII digits, anything else
    (another number past what an id column holds too) none."""
    text = request.args.get(arg, "")
    if not CURSOR_RE.fullmatch(text) or int(text) > MAX_ID:
        return None
    return int(text)


def window(query: Select, keys: tuple, size: int | None = None, *,
           endpoint: str | None = None, **values) -> Window:
    """One page of ``query`` in the order of ``keys``, newest (largest) first: columns of
    an index the query's filters lead into, the last one the rows' unique ``id``. Each
    page reads ``size + 1`` rows (the one more says whether there are others) and, away
    from the first page, the keys of the row its cursor names (through ``query``, so a row
    the list does not hold is no cursor: the first page is shown)."""
    size = size or current_app.config["PAGE_SIZE"]
    ident = keys[-1]
    before, after = cursor("before"), cursor("after")
    mark = None
    if before is not None or after is not None:
        mark = db.session.execute(query.order_by(None).with_only_columns(*keys)
                                  .where(ident == (before if before is not None else after))
                                  ).first()
    if mark is not None and before is None:
        rows = db.session.scalars(query.where(tuple_(*keys) > tuple(mark))
                                  .order_by(*keys).limit(size + 1)).all()
        if len(rows) > size:  # the newest rows are further on: a page between
            return Window(list(reversed(rows[:size])), size, newer=True, older=True,
                          ident=ident.key, endpoint=endpoint, values=values)
        mark = None  # as new as it gets: the first page, full
    newest_first = [k.desc() for k in keys]
    if mark is not None:
        query = query.where(tuple_(*keys) < tuple(mark))
    rows = db.session.scalars(query.order_by(*newest_first).limit(size + 1)).all()
    return Window(list(rows[:size]), size, newer=mark is not None, older=len(rows) > size,
                  ident=ident.key, endpoint=endpoint, values=values)
