"""Triage: themes, reply type and channel, team and drafter chosen for a new case."""
