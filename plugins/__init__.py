"""Built-in station modules, one package per module (the modules issue adds the first)."""
