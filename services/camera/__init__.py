"""The camera service: cameras and their detection regions, per account (gRPC CameraService)."""
