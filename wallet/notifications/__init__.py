"""Notifications to the citizen, fed by domain events through an outbox, each one saying why."""
