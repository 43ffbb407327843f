"""The station's ground (警网融合): one registry of where the station works and who covers
it, which every module stands on through :mod:`app.plugin_api`."""

from app.ground.blueprint import bp

__all__ = ["bp"]
