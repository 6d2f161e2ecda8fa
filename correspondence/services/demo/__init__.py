"""Demo data: the seed correspondence and invented cases."""
