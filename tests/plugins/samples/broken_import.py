"""A module whose import fails, as a half-installed package's would."""

import a_package_that_is_not_installed  # noqa: F401

plugin = None
