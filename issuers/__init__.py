"""What it means to sign: credential types, minting SD-JWT VCs, status lists, trust bundles."""
