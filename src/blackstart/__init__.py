"""blackstart: a resilience digital twin of an information system."""

__version__ = "0.1.0"
