"""tickcast.models."""
