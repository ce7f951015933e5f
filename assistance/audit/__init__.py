"""Logs of who read victim-assistance data through the API, and of identity erasures."""
