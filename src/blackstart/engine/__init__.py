"""Analyses on the compiled graph: pure functions over arrays, no I/O, no printing."""
