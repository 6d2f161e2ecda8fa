"""Drafting: a reply written from standard lines and taken through approval; My work."""
