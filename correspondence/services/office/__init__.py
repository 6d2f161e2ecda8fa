"""The office's database: reference data, server set-up for a team, backups."""
