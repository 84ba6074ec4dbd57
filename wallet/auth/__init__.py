"""Who is calling: service access tokens (citizens and agencies) and the guards that check them."""
