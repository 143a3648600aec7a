"""Command families: text and form adapters, one module per family, each with its install()."""
