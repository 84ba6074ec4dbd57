"""Agencies, their API clients, and the people records they keep."""
