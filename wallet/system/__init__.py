"""Operational endpoints: liveness, readiness, the service's public keys."""
