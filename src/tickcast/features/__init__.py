"""tickcast.features."""
