"""The named model: schema, requirement expressions, loading and validation."""
