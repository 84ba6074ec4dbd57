"""Publishing trust for offline verifiers: the signed bundle of issuers, their keys and status lists."""
