"""A module that needs another module which is not installed."""

from app.plugin_api import Plugin

plugin = Plugin(key="orphan", name_zh="孤儿", name_en="Orphan", version="0.1",
                requires=("not_installed",))
