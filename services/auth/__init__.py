"""The auth service: accounts, Argon2id passwords, EdDSA access tokens and rotating refresh tokens."""
