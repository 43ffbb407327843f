"""The web shell: landing, the place chooser, the language switch and health checks."""

from app.web.views import bp

__all__ = ["bp"]
