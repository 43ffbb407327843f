"""A module that breaks the naming rules: its blueprint and permission do not follow its key."""

from flask import Blueprint

from app.plugin_api import Permission, Plugin

plugin = Plugin(
    key="misnamed", name_zh="命名错误", name_en="Misnamed", version="0.1",
    blueprint=Blueprint("wrong_name", __name__),
    permissions=(Permission("other.view", "x", ("officer",)),),
)
