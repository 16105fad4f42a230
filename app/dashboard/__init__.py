"""The dashboard: events recorded in the database, shown to signed-in users."""
