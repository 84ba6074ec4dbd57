"""Issuing credentials: authorisations, OpenID4VCI, credential records, status indices."""
