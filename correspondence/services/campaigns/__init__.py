"""Campaigns: detection, membership, members' own words, export and email."""
