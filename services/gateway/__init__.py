"""The REST gateway: FastAPI in front of the gRPC services, plus MJPEG relays from NATS."""
