"""The station's service catalogue, read from the appointments module's settings (the
contract between the two modules: a list of {"name", "mode", "documents"}); backpack
offers the services whose mode is "home"."""

from app.plugin_api import settings


def _services() -> list[dict]:
    return list(settings("appointments").get("services") or [])


def home_services() -> list[dict]:
    return [s for s in _services() if s.get("mode") == "home"]


def documents_for(service: str) -> str | None:
    """What to bring or collect for ``service``, whatever its mode now; None when the
    catalogue no longer lists it (a request keeps its service's name as text)."""
    for s in _services():
        if s.get("name") == service:
            return s.get("documents")
    return None
