"""Citizen accounts and their log-in sessions."""
