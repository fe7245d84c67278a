"""Composition root: settings, the ``wsr`` command line; the only place that wires stores,
notifiers and clocks together."""
