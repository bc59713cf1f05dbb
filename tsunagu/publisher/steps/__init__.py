"""Pipeline steps, one per module, each a small class with ``name`` and ``run(draft, ctx)``."""
