"""Linking a citizen's account to the records agencies keep about them."""
