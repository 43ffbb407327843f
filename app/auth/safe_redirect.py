"""The ``next=`` parameter may only lead to a page of this site."""

from urllib.parse import urlsplit


def is_safe_next(target: str | None) -> bool:
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False  # browsers read "/\evil.example" as "//evil.example"
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    return target if is_safe_next(target) else fallback
