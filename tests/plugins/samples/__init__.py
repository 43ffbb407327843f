"""Small modules for testing the plugin host: loaded through ``EXTRA_PLUGINS`` by the tests
that need them, never installed."""
