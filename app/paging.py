"""Lists a page at a time: every list shows its total and pages through the rest, the
filters kept in the URL, so no row is ever dropped without a word."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app, request, url_for
from sqlalchemy import Select, func, select

from app.extensions import db

MAX_PAGE = 100_000
PAGE_RE = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Page:
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
        if self.endpoint:
            path = url_for(self.endpoint, **self.values)
        else:
            path = url_for(request.endpoint, **(request.view_args or {}))
        return f"{path}?{urlencode(args)}"

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


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
