"""Parsers: turn files into plain data and locate positions in them. No business logic."""
