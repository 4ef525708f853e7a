# VisionFlow images, one build per target:
#   docker build --target service  -t ghcr.io/visionflow/visionflow .            # all but the detector
#   docker build --target detector -t ghcr.io/visionflow/visionflow-detector .   # CPU (no CUDA)
#   docker build --target detector-cuda -t ghcr.io/visionflow/visionflow-detector-cuda .
# The Deployment's args pick the service. Every image runs as user 65532 with a read-only root.
FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    YOLO_OFFLINE=1 YOLO_AUTOINSTALL=false
WORKDIR /app
COPY deploy/images/service.txt /tmp/service.txt
RUN pip install --no-deps -r /tmp/service.txt

FROM base AS service
COPY visionflow ./visionflow
COPY services ./services
COPY protos ./protos
USER 65532:65532
CMD ["python", "-m", "services.gateway"]

FROM base AS detector
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
COPY deploy/images/detector.txt /tmp/detector.txt
RUN pip install --no-deps --index-url "$TORCH_INDEX" torch==2.14.1 torchvision==0.29.1 \
    && pip install --no-deps -r /tmp/detector.txt
COPY visionflow ./visionflow
COPY services ./services
COPY protos ./protos
USER 65532:65532
CMD ["python", "-m", "services.detector"]

# CUDA: PyPI's default torch wheels carry CUDA; schedule it on GPU nodes (docs/deploy.md).
FROM detector AS detector-cuda
USER root
RUN pip install --no-deps --force-reinstall torch==2.14.1 torchvision==0.29.1 triton==3.8.0 \
    nvidia-cublas==13.1.1.3 nvidia-cuda-cupti==13.0.85 nvidia-cuda-nvrtc==13.0.88 \
    nvidia-cuda-runtime==13.0.96 nvidia-cudnn-cu13==9.24.0.43 nvidia-cufft==12.0.0.61 \
    nvidia-cufile==1.15.1.6 nvidia-curand==10.4.0.35 nvidia-cusolver==12.0.4.66 \
    nvidia-cusparse==12.6.3.3 nvidia-cusparselt-cu13==0.8.1 nvidia-nccl-cu13==2.30.7 \
    nvidia-nvjitlink==13.5.37 nvidia-nvshmem-cu13==3.4.5 nvidia-nvtx==13.0.85 \
    cuda-bindings==13.5.0 cuda-pathfinder==1.9.1 cuda-toolkit==13.0.3.0
USER 65532:65532
