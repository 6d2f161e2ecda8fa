"""Intake: letters logged by hand and files imported, parsed in workers, written in one stream."""
