"""Cases: the list, search, a case's details, deadlines and history."""
