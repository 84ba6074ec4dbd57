"""Applications for cards (the Seniors Card), decided by rules at once or by the agency."""
