"""The tenant context: which station (or which county's stations) the current code may see.

It lives in a context variable, so a request, a CLI command and a job each carry their own.
Code enters it explicitly; nothing falls back to "all stations".
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from tenants.models import County, Station


class TenantContextRequired(RuntimeError):
    """A station-owned table was queried outside any tenant context."""


@dataclass(frozen=True)
class TenantScope:
    county_id: int
    station_id: int | None = None  # None: every station of the county (county context)

    @property
    def is_station(self) -> bool:
        return self.station_id is not None


_scope: ContextVar[TenantScope | None] = ContextVar("fengqiao_tenant_scope", default=None)


def current_scope() -> TenantScope | None:
    return _scope.get()


def current_station_id() -> int:
    scope = _scope.get()
    if scope is None or scope.station_id is None:
        raise TenantContextRequired("this needs a station context")
    return scope.station_id


@contextmanager
def _entered(scope: TenantScope) -> Iterator[TenantScope]:
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def station_context(station: Station) -> AbstractContextManager[TenantScope]:
    """Scope every query of station-owned rows to ``station``."""
    return _entered(TenantScope(county_id=station.county_id, station_id=station.id))


def county_context(county: County) -> AbstractContextManager[TenantScope]:
    """Open an explicit cross-station context, limited to the stations of ``county``."""
    return _entered(TenantScope(county_id=county.id))


def enter(scope: TenantScope | None):
    """Enter ``scope`` without a ``with`` block; returns the token for :func:`leave`."""
    return _scope.set(scope)


def leave(token) -> None:
    _scope.reset(token)


# Besides the station or county: the account the code acts for (a signed-in user, or the
# account signing in) and the digest of a link being opened (an invitation). The global
# tables' row policies read them; they widen nothing of the station-owned tables.
_user: ContextVar[int | None] = ContextVar("fengqiao_acting_user", default=None)
_token: ContextVar[str | None] = ContextVar("fengqiao_presented_token", default=None)


def acting_user_id() -> int | None:
    return _user.get()


def presented_token() -> str | None:
    return _token.get()


@contextmanager
def acting_for(user_id: int | None) -> Iterator[None]:
    """Act for account ``user_id`` meanwhile (its own row, sessions and links)."""
    token = _user.set(user_id)
    try:
        yield
    finally:
        _user.reset(token)


def act_for(user_id: int | None):
    """:func:`acting_for` without a ``with`` block (a request's signed-in user); returns
    the token for :func:`stop_acting`."""
    return _user.set(user_id)


def stop_acting(token) -> None:
    _user.reset(token)


@contextmanager
def presenting(digest: str) -> Iterator[None]:
    """Open the row of a link whose digest is ``digest`` (an invitation) meanwhile."""
    token = _token.set(digest)
    try:
        yield
    finally:
        _token.reset(token)
