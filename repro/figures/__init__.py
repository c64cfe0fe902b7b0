"""The figures: one small module per paper figure (``figNN.py``: its recipe, as experiment data where the
experiment schema expresses it, and its plot), ``registry.py`` (number -> module), ``catalog.py`` (titles and
claims), ``experiment/`` (the schema, the builder of recipes from it, eject), ``frontier.py`` and ``plot.py``
(drawing), ``claims/`` (the paper's claims and their checks), ``readme.py`` (generated blocks) and ``report/``
(the reviewer's page)."""
