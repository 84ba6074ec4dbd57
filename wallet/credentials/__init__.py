"""The citizen's wallet: every credential they hold, across agencies, with its status and what is due."""
