"""Replies going out: signatures, PDF, printing, email and dispatch."""
