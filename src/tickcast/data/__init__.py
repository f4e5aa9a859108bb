"""tickcast.data."""
