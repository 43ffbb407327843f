"""Sign-in, sign-out, invitations and the user's own account."""

from app.auth.views import bp

__all__ = ["bp"]
