"""tickcast.nn."""
