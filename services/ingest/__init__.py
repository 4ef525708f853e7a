"""The ingest service: reads each camera's stream once and publishes JPEG frames on NATS."""
