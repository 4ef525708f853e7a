"""VisionFlow common package: config, errors, logging, gRPC/NATS helpers, generated stubs."""
