"""The citizen's devices: the phones whose keys their credentials are bound to."""
