"""The reference device-side client: what the mobile app does on the phone."""
