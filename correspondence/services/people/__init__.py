"""People: users and roles, server logins, correspondents, retention and subject access."""
